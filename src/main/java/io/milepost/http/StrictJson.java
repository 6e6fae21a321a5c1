package io.milepost.http;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.UntypedObjectDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Admin JSON is read as strictly as ingestion: no scalar coercion ({@code "true"} or {@code 1} is not
 * a boolean, {@code 123} is not a string), nothing after the top-level value, no non-finite numbers
 * ({@code 1e400}), no {@code null} items in lists.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
        for (LogicalType type : LogicalType.values()) {
            var config = mapper.coercionConfigFor(type);
            for (CoercionInputShape shape : CoercionInputShape.values()) {
                if (shape != CoercionInputShape.Array && shape != CoercionInputShape.Object) {
                    config.setCoercion(shape, CoercionAction.Fail);
                }
            }
        }
        // an integer is a fine floating-point number, and a string may hold a date or an enum's name
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.DateTime)
                .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Enum).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        for (Class<?> c : List.of(List.class, Set.class, Collection.class)) {
            mapper.configOverride(c).setSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL));
        }
        SimpleModule finite = new SimpleModule("milepost-finite-numbers");
        finite.addDeserializer(Double.class, new FiniteDouble(Double.class));
        finite.addDeserializer(Double.TYPE, new FiniteDouble(Double.TYPE));
        finite.addDeserializer(Object.class, new FiniteUntyped());
        mapper.registerModule(finite);
    }

    /** A double that refuses numbers too large to be finite. */
    static final class FiniteDouble extends StdScalarDeserializer<Double> {
        FiniteDouble(Class<?> type) {
            super(type);
        }

        @Override
        public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
                return (Double) ctxt.handleUnexpectedToken(Double.class, p);
            }
            return finite(p, ctxt);
        }
    }

    static double finite(JsonParser p, DeserializationContext ctxt) throws IOException {
        double d = p.getDoubleValue();
        if (!Double.isFinite(d)) {
            throw ctxt.weirdNumberException(d, Double.class, "too large: numbers must be finite");
        }
        return d;
    }

    /** Values of maps and lists typed {@code Object} (traits, properties): floats must be finite. */
    static final class FiniteUntyped extends UntypedObjectDeserializer {
        FiniteUntyped() {
            super((com.fasterxml.jackson.databind.JavaType) null, (com.fasterxml.jackson.databind.JavaType) null);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
                finite(p, ctxt);
            }
            return super.deserialize(p, ctxt);
        }
    }
}
