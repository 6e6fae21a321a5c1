package io.milepost.kpi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The H2 function {@code MILEPOST_TRAIT(traits, name)}: a trait as text, as PostgreSQL's {@code ->>}
 * gives it (strings unquoted, numbers and booleans as written, objects and arrays as JSON), null when
 * missing or JSON null. Declared by the H2-only migration in {@code db/h2}.
 */
public final class H2Traits {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private H2Traits() {}

    public static String text(String traits, String name) {
        if (traits == null || name == null) {
            return null;
        }
        try {
            JsonNode value = MAPPER.readTree(traits).get(name);
            if (value == null || value.isNull()) {
                return null;
            }
            return value.isValueNode() ? value.asText() : value.toString();
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
