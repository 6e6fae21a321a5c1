package io.milepost.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.milepost.common.ApiException;
import io.milepost.common.FieldError;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.FirstTouch;
import io.milepost.engine.SignupTime;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads Segment-style track / identify / batch bodies into {@link IncomingMessage}s. All-or-nothing:
 * every problem in every item is collected, and any problem refuses the whole body.
 */
@ApplicationScoped
public class MessageParser {
    /** The batch item types, as Segment names them. */
    static final Map<String, IncomingMessage.Type> TYPES = Map.of(
            "track",
            IncomingMessage.Type.TRACK,
            "identify",
            IncomingMessage.Type.IDENTIFY,
            "page",
            IncomingMessage.Type.PAGE,
            "screen",
            IncomingMessage.Type.SCREEN,
            "group",
            IncomingMessage.Type.GROUP,
            "alias",
            IncomingMessage.Type.ALIAS);
    /** The events page and screen calls become. */
    public static final String PAGE_VIEWED = "page_viewed";

    public static final String SCREEN_VIEWED = "screen_viewed";
    /** Longest page or screen {@code name} / {@code category}, and first-touch value, kept. */
    static final int MAX_TEXT = 2000;

    static final int MAX_ID = 255;
    static final int MAX_EVENT = 200;
    static final int MAX_DEPTH = 32;
    static final String UNSTORABLE = "must not contain the NUL character or unpaired surrogates";

    private final ObjectMapper mapper;
    private final JsonFactory factory;
    private final MilepostConfig.Ingest limits;
    private final Instant earliest;

    public MessageParser(ObjectMapper mapper, MilepostConfig config) {
        this.mapper = mapper.copy();
        this.mapper
                .getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .build());
        // the batch is read item by item from one stream: trailing content is checked by hand
        this.mapper.disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.factory = this.mapper.getFactory();
        this.limits = config.ingest();
        this.earliest = Instant.parse(limits.earliest());
    }

    /** What a body held: the messages to ingest, and the write key in the body, if any. */
    public record Parsed(List<IncomingMessage> messages, String writeKey) {}

    /** A single call's body (track, identify, page, screen, group or alias). */
    public Parsed single(byte[] body, IncomingMessage.Type type, Instant receivedAt) {
        requireSize(body.length, limits.maxEventBytes(), "an event");
        JsonNode root = readTree(body);
        List<FieldError> errors = new ArrayList<>();
        IncomingMessage m = item(root, null, type, null, receivedAt, errors);
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        JsonNode key = root.get("writeKey");
        return new Parsed(List.of(m), key != null && key.isTextual() ? key.asText() : null);
    }

    /** A {@code {batch: [...], sentAt?}} body. Each item must also fit the single-event limit. */
    public Parsed batch(byte[] body, Instant receivedAt) {
        requireSize(body.length, limits.maxBatchBytes(), "a batch");
        List<JsonNode> items = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        String sentAt = null;
        String writeKey = null;
        boolean sawBatch = false;
        try (JsonParser p = factory.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ApiException.badRequest("the body must be a JSON object with a \"batch\" array");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("batch".equals(field)) {
                    if (value != JsonToken.START_ARRAY) {
                        throw invalid(List.of(new FieldError(null, "batch", "must be an array")));
                    }
                    sawBatch = true;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        long start = p.currentTokenLocation().getByteOffset();
                        JsonNode item = p.readValueAsTree();
                        sizes.add(p.currentLocation().getByteOffset() - start);
                        items.add(item);
                    }
                } else if ("sentAt".equals(field) && value == JsonToken.VALUE_STRING) {
                    sentAt = p.getText();
                } else if ("sentAt".equals(field) && value != JsonToken.VALUE_NULL) {
                    throw invalid(List.of(new FieldError(null, "sentAt", "must be an ISO-8601 date-time string")));
                } else if ("writeKey".equals(field) && value == JsonToken.VALUE_STRING) {
                    writeKey = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw ApiException.badRequest("unexpected content after the JSON object");
            }
        } catch (IOException e) {
            throw unreadable(e);
        }
        if (!sawBatch) {
            throw invalid(List.of(new FieldError(null, "batch", "is required")));
        }
        List<FieldError> errors = new ArrayList<>();
        List<IncomingMessage> messages = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if (sizes.get(i) > limits.maxEventBytes()) {
                throw new ApiException(
                        413,
                        "payload_too_large",
                        "batch item " + i + " is " + sizes.get(i) + " bytes; an event may be at most "
                                + limits.maxEventBytes() + " bytes",
                        List.of(new FieldError(i, "", "larger than " + limits.maxEventBytes() + " bytes")));
            }
            IncomingMessage.Type type = item.isObject()
                            && item.get("type") != null
                            && item.get("type").isTextual()
                    ? TYPES.get(item.get("type").asText())
                    : null;
            if (type == null) {
                errors.add(new FieldError(
                        i,
                        "type",
                        item.isObject()
                                ? "must be one of track, identify, page, screen, group, alias"
                                : "each batch item must be a JSON object"));
                continue;
            }
            IncomingMessage m = item(item, i, type, sentAt, receivedAt, errors);
            if (m != null) {
                messages.add(m);
            }
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return new Parsed(messages, writeKey);
    }

    private IncomingMessage item(
            JsonNode node,
            Integer index,
            IncomingMessage.Type type,
            String batchSentAt,
            Instant receivedAt,
            List<FieldError> errors) {
        if (!node.isObject()) {
            errors.add(new FieldError(index, "", "must be a JSON object"));
            return null;
        }
        int before = errors.size();
        String userId = id(node, "userId", index, errors);
        String anonymousId = id(node, "anonymousId", index, errors);
        String messageId = id(node, "messageId", index, errors);
        if (type == IncomingMessage.Type.ALIAS) {
            if (userId == null && errors.size() == before) {
                errors.add(new FieldError(index, "userId", "is required for alias (the id the previousId becomes)"));
            }
        } else if (userId == null && anonymousId == null && errors.size() == before) {
            errors.add(new FieldError(index, "userId", "userId or anonymousId is required"));
        }
        String event = switch (type) {
            case TRACK -> eventName(node, index, errors);
            case PAGE -> PAGE_VIEWED;
            case SCREEN -> SCREEN_VIEWED;
            case GROUP -> required(node, "groupId", index, errors);
            case ALIAS -> required(node, "previousId", index, errors);
            case IDENTIFY -> null;
        };
        String dataField = switch (type) {
            case TRACK, PAGE, SCREEN -> "properties";
            case IDENTIFY, GROUP -> "traits";
            case ALIAS -> null;
        };
        JsonNode data = dataField == null ? null : node.get(dataField);
        if (data != null && !data.isNull() && !data.isObject()) {
            errors.add(new FieldError(index, dataField, "must be a JSON object"));
            data = null;
        } else if (data != null && data.isObject()) {
            String bad = findUnstorable(data, dataField);
            if (bad != null) {
                errors.add(new FieldError(index, bad, UNSTORABLE));
            }
        }
        boolean view = type == IncomingMessage.Type.PAGE || type == IncomingMessage.Type.SCREEN;
        String name = view ? text(node, "name", index, errors) : null;
        String category = view ? text(node, "category", index, errors) : null;
        Instant timestamp = time(node, index, batchSentAt, receivedAt, errors);
        if (type == IncomingMessage.Type.IDENTIFY && data != null && data.isObject() && data.hasNonNull("createdAt")) {
            // the signup time is a time the client sends like any other: the same bounds as timestamps
            Instant createdAt = SignupTime.fromTrait(mapper.convertValue(data.get("createdAt"), Object.class));
            String problem = createdAt == null ? null : outOfBounds(createdAt, receivedAt);
            if (problem != null) {
                errors.add(new FieldError(index, "traits.createdAt", problem));
            }
        }
        if (errors.size() > before) {
            return null;
        }
        ObjectNode object = data != null && data.isObject() ? (ObjectNode) data : mapper.createObjectNode();
        if (name != null || category != null) {
            object = object.deepCopy(); // the page's own properties keep their referrer for the first touch
            if (name != null) {
                object.put("name", name);
            }
            if (category != null) {
                object.put("category", category);
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = mapper.convertValue(object, Map.class);
        String json;
        try {
            json = mapper.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new IncomingMessage(
                type,
                messageId != null ? messageId : UUID.randomUUID().toString(),
                userId,
                anonymousId,
                event,
                map,
                json,
                timestamp,
                firstTouch(node, type == IncomingMessage.Type.PAGE ? data : null));
    }

    private static String eventName(JsonNode node, Integer index, List<FieldError> errors) {
        JsonNode e = node.get("event");
        if (e == null || e.isNull()) {
            errors.add(new FieldError(index, "event", "is required for track"));
        } else if (!e.isTextual()) {
            errors.add(new FieldError(index, "event", "must be a string"));
        } else if (e.asText().isBlank() || e.asText().length() > MAX_EVENT) {
            errors.add(new FieldError(index, "event", "must be 1 to " + MAX_EVENT + " characters"));
        } else if (!storable(e.asText())) {
            errors.add(new FieldError(index, "event", UNSTORABLE));
        } else {
            return e.asText();
        }
        return null;
    }

    /** An id the call's type requires ({@code groupId}, {@code previousId}). */
    private static String required(JsonNode node, String field, Integer index, List<FieldError> errors) {
        int before = errors.size();
        String value = id(node, field, index, errors);
        if (value == null && errors.size() == before) {
            errors.add(new FieldError(index, field, "is required"));
        }
        return value;
    }

    /** An optional text field (a page's {@code name}, {@code category}); blank is fine. */
    private static String text(JsonNode node, String field, Integer index, List<FieldError> errors) {
        return string(node, field, index, errors, MAX_TEXT, true);
    }

    /**
     * The first-touch traits a call's {@code context} gives: {@code context.campaign}'s source, medium
     * and name, and {@code context.page.referrer} (for a page call also its {@code properties.referrer}).
     * The context is not validated (Segment's libraries fill it): values that are not text, or that a
     * database cannot store, are left out. An empty referrer is kept: the visit came direct.
     */
    static Map<String, Object> firstTouch(JsonNode node, JsonNode pageProperties) {
        Map<String, Object> touch = new java.util.LinkedHashMap<>();
        JsonNode context = node.get("context");
        JsonNode campaign = context != null && context.isObject() ? context.get("campaign") : null;
        if (campaign != null && campaign.isObject()) {
            putText(touch, FirstTouch.SOURCE, campaign.get("source"));
            putText(touch, FirstTouch.MEDIUM, campaign.get("medium"));
            putText(touch, FirstTouch.CAMPAIGN, campaign.get("name"));
        }
        JsonNode page = context != null && context.isObject() ? context.get("page") : null;
        JsonNode referrer = page != null && page.isObject() ? page.get("referrer") : null;
        if ((referrer == null || !referrer.isTextual()) && pageProperties != null && pageProperties.isObject()) {
            referrer = pageProperties.get("referrer");
        }
        putText(touch, FirstTouch.REFERRER, referrer);
        return touch.isEmpty() ? Map.of() : touch;
    }

    private static void putText(Map<String, Object> into, String trait, JsonNode value) {
        if (value != null && value.isTextual() && value.asText().length() <= MAX_TEXT && storable(value.asText())) {
            into.put(trait, value.asText());
        }
    }

    private static String id(JsonNode node, String field, Integer index, List<FieldError> errors) {
        return string(node, field, index, errors, MAX_ID, false);
    }

    /** A string field of at most {@code max} characters that a database can store; null when absent or bad. */
    private static String string(
            JsonNode node, String field, Integer index, List<FieldError> errors, int max, boolean blankAllowed) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FieldError(index, field, "must be a string"));
            return null;
        }
        String s = v.asText();
        if (!blankAllowed && (s.isBlank() || s.length() > max)) {
            errors.add(new FieldError(index, field, "must be 1 to " + max + " characters, not all blank"));
            return null;
        }
        if (s.length() > max) {
            errors.add(new FieldError(index, field, "must be at most " + max + " characters"));
            return null;
        }
        if (!storable(s)) {
            errors.add(new FieldError(index, field, UNSTORABLE));
            return null;
        }
        return s;
    }

    private Instant time(
            JsonNode node, Integer index, String batchSentAt, Instant receivedAt, List<FieldError> errors) {
        Instant timestamp = instant(node, "timestamp", index, errors);
        Instant sentAt = instant(node, "sentAt", index, errors);
        if (sentAt == null && batchSentAt != null) {
            try {
                sentAt = OffsetDateTime.parse(batchSentAt).toInstant();
            } catch (DateTimeParseException e) {
                errors.add(new FieldError(
                        index, "sentAt", "must be an ISO-8601 date-time with offset, e.g. 2026-01-05T09:00:00Z"));
            }
        }
        if (timestamp == null) {
            return receivedAt.truncatedTo(ChronoUnit.MICROS);
        }
        // Segment's skew correction: the device clock is off by (receivedAt - sentAt).
        Instant corrected = sentAt == null ? timestamp : timestamp.plus(Duration.between(sentAt, receivedAt));
        String problem = outOfBounds(corrected, receivedAt);
        if (problem != null) {
            errors.add(
                    new FieldError(index, "timestamp", problem + " (after clock-skew correction: " + corrected + ")"));
        }
        // kept to the microsecond, as the databases store times: the event row, the activity counts
        // and the rules all see the same instant
        return corrected.truncatedTo(ChronoUnit.MICROS);
    }

    /** Why a time a client sent is not believable (before {@code earliest}, or too far ahead), or null. */
    String outOfBounds(Instant t, Instant receivedAt) {
        if (t.isBefore(earliest)) {
            return "is before " + earliest;
        }
        if (t.isAfter(receivedAt.plus(limits.maxFuture()))) {
            return "is more than " + limits.maxFuture() + " in the future";
        }
        return null;
    }

    private static Instant instant(JsonNode node, String field, Integer index, List<FieldError> errors) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FieldError(index, field, "must be an ISO-8601 date-time string"));
            return null;
        }
        try {
            return OffsetDateTime.parse(v.asText()).toInstant();
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(
                    index, field, "must be an ISO-8601 date-time with offset, e.g. 2026-01-05T09:00:00Z"));
            return null;
        }
    }

    /**
     * Text a database can store: no NUL character (PostgreSQL refuses it in text) and no unpaired
     * UTF-16 surrogate (not encodable as UTF-8).
     */
    static boolean storable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** The path of the first key or string value that is not {@link #storable}, or null. */
    private static String findUnstorable(JsonNode node, String path) {
        if (node.isTextual()) {
            return storable(node.asText()) ? null : path;
        }
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (!storable(f.getKey())) {
                    return path;
                }
                String found = findUnstorable(f.getValue(), path + "." + f.getKey());
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = findUnstorable(node.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private JsonNode readTree(byte[] body) {
        try {
            JsonNode root = mapper.reader()
                    .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(body);
            if (root == null || root.isMissingNode()) {
                throw ApiException.badRequest("the body is empty; send a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    private static void requireSize(int size, int max, String what) {
        if (size > max) {
            throw new ApiException(
                    413,
                    "payload_too_large",
                    "the body is " + size + " bytes; " + what + " may be at most " + max + " bytes");
        }
    }

    private static ApiException unreadable(IOException e) {
        if (e instanceof StreamConstraintsException) {
            return new ApiException(400, "too_deep", "JSON is nested more than " + MAX_DEPTH + " levels deep");
        }
        if (e instanceof JsonProcessingException json) {
            return new ApiException(400, "invalid_json", "the body is not valid JSON: " + json.getOriginalMessage());
        }
        return new ApiException(400, "invalid_json", "the body could not be read: " + e.getMessage());
    }

    private static ApiException invalid(List<FieldError> errors) {
        return new ApiException(
                400,
                "invalid_event",
                errors.size() == 1
                        ? "invalid " + describe(errors.get(0))
                        : errors.size() + " invalid fields; nothing was stored",
                errors);
    }

    private static String describe(FieldError e) {
        return (e.index() == null ? "" : "item " + e.index() + " ")
                + (e.field().isEmpty() ? "" : e.field() + ": ")
                + e.message();
    }
}
