package io.milepost.common;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What was wrong with a JSON body, in words a caller can act on: where (a JSON pointer such as
 * {@code /events/0/at}, or line and column for text that is not JSON), what was expected and what
 * came instead. Echoed input is cut short.
 */
public final class JsonProblem {
    /** Longest piece of the caller's input repeated in an answer. */
    public static final int MAX_ECHO = 100;
    /** How Jackson's messages name the token it found: {@code (token `JsonToken.START_ARRAY`)}. */
    private static final Pattern TOKEN = Pattern.compile("token `JsonToken\\.([A-Z_]+)`");

    private JsonProblem() {}

    public static ApiException of(JacksonException e) {
        if (e instanceof StreamConstraintsException) {
            return new ApiException(
                    400, "invalid_json", "the JSON is too deeply nested or too large: " + cut(e.getOriginalMessage()));
        }
        if (e instanceof DatabindException d && !(e instanceof com.fasterxml.jackson.core.JsonParseException)) {
            String pointer = pointer(d instanceof JsonMappingException m ? m.getPath() : List.of());
            String message = message(d);
            return new ApiException(
                    400,
                    "invalid_json",
                    (pointer.isEmpty() ? "the body" : pointer) + ": " + message,
                    List.of(new FieldError(null, pointer, message)));
        }
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        String text = cut(firstLine(e.getOriginalMessage()));
        return new ApiException(
                400,
                "invalid_json",
                "the body is not valid JSON" + where + ": " + text,
                List.of(new FieldError(null, "", "not valid JSON" + where)));
    }

    private static String message(DatabindException e) {
        if (e instanceof InvalidNullException) {
            return "must not be null";
        }
        if (e instanceof PropertyBindingException p) {
            Collection<Object> known = p.getKnownPropertyIds();
            return "unknown field \"" + cut(p.getPropertyName()) + "\""
                    + (known == null || known.isEmpty()
                            ? ""
                            : "; the fields are "
                                    + known.stream()
                                            .map(String::valueOf)
                                            .sorted()
                                            .map(k -> "\"" + k + "\"")
                                            .collect(java.util.stream.Collectors.joining(", ")));
        }
        if (e instanceof MismatchedInputException m) {
            if (m.getOriginalMessage() != null && m.getOriginalMessage().startsWith("Trailing token")) {
                return "nothing may follow the JSON value";
            }
            String found = found(m);
            if (m.getTargetType() == null) {
                return cut(firstLine(m.getOriginalMessage()));
            }
            String expected = expected(m.getTargetType());
            if (e instanceof InvalidFormatException f && f.getValue() != null && !(f.getValue() instanceof Double)) {
                return "must be " + expected + ", not " + quote(String.valueOf(f.getValue()));
            }
            if (e instanceof InvalidFormatException f && f.getValue() instanceof Double) {
                return "must be a finite number";
            }
            return "must be " + expected + (found == null ? "" : ", not " + found);
        }
        return cut(firstLine(e.getOriginalMessage()));
    }

    /** What came instead of the expected value, or null if that is unknown. */
    private static String found(MismatchedInputException m) {
        JsonToken t = m.getProcessor() instanceof JsonParser p ? p.currentToken() : null;
        if (t == null && m.getOriginalMessage() != null) {
            // the parser is closed by the time the error is mapped; Jackson's message names the token
            Matcher named = TOKEN.matcher(m.getOriginalMessage());
            t = named.find() ? token(named.group(1)) : null;
        }
        if (t == null) {
            return null;
        }
        return switch (t) {
            case START_OBJECT, END_OBJECT, FIELD_NAME -> "an object";
            case START_ARRAY, END_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> null;
        };
    }

    private static JsonToken token(String name) {
        for (JsonToken t : JsonToken.values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    static String expected(Class<?> type) {
        if (type == String.class || type == CharSequence.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class
                || type == int.class
                || type == Long.class
                || type == long.class
                || type == Short.class
                || type == short.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type.isEnum()) {
            return "one of " + List.of(type.getEnumConstants());
        }
        if (java.time.temporal.Temporal.class.isAssignableFrom(type)) {
            return "an ISO-8601 date-time string";
        }
        if (java.time.Duration.class == type) {
            return "an ISO-8601 duration string";
        }
        if (Map.class.isAssignableFrom(type)
                || type.isRecord()
                || !type.getName().startsWith("java.")) {
            return "an object";
        }
        return "a value of type " + type.getSimpleName();
    }

    /** A JSON pointer for Jackson's path: {@code /events/0/at}; empty for the whole body. */
    static String pointer(List<JsonMappingException.Reference> path) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : path) {
            b.append('/');
            if (r.getFieldName() != null) {
                b.append(cut(r.getFieldName()).replace("~", "~0").replace("/", "~1"));
            } else if (r.getIndex() >= 0) {
                b.append(r.getIndex());
            }
        }
        return b.toString();
    }

    private static String quote(String s) {
        return "\"" + cut(s) + "\"";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** At most {@link #MAX_ECHO} characters of {@code s}, never splitting a surrogate pair. */
    public static String cut(String s) {
        if (s == null || s.length() <= MAX_ECHO) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(MAX_ECHO - 1)) ? MAX_ECHO - 1 : MAX_ECHO;
        return s.substring(0, end) + "… (" + s.length() + " characters)";
    }
}
