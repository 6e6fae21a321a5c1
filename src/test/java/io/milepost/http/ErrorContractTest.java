package io.milepost.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every operation that {@code /q/openapi} lists, sent a corpus of bad requests: each answer is a 4xx
 * in the API's error shape {@code {error, message, details}}, never a 5xx, an empty body or a stack
 * trace. Walks whatever the document lists, so new endpoints are covered as they are added. (A
 * path that cannot be decoded is tried on the packaged service, in {@code PackagedServiceIT}: the
 * test JVM keeps Quarkus' own URI check, which {@code io.milepost.Main} turns off.)
 */
@QuarkusTest
class ErrorContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");
    private static final String DEEP = "{\"a\":" + "[".repeat(3000) + "]".repeat(3000) + "}";

    @TestHTTPResource("/")
    URL root;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<String> failures = new ArrayList<>();
    private int cases;

    /** One bad request and what it must get. */
    record Case(String method, String path, String contentType, String body, int expectedOrZero, String mustName) {}

    @Test
    void shouldAnswerEveryBadRequestToEveryOperationWithA4xxInTheErrorShape() throws Exception {
        JsonNode doc = JSON.readTree(
                send("GET", "/q/openapi?format=json", null, null, Map.of()).body());
        JsonNode paths = doc.get("paths");
        assertTrue(paths.size() >= 10, "the OpenAPI document lists the API's paths");
        Iterator<Map.Entry<String, JsonNode>> it = paths.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> p = it.next();
            String path = p.getKey().replaceAll("\\{[^}]+}", "no-such-id");
            Set<String> served = new java.util.HashSet<>();
            p.getValue().fieldNames().forEachRemaining(served::add);
            for (String method : METHODS) {
                if (!served.contains(method)) {
                    continue;
                }
                JsonNode op = p.getValue().get(method);
                for (Case c : cases(doc, method.toUpperCase(), path, op)) {
                    check(c);
                }
            }
            String other = METHODS.stream()
                    .filter(m -> !served.contains(m))
                    .findFirst()
                    .orElse(null);
            if (other != null) {
                check(new Case(other.toUpperCase(), path, "application/json", "{}", 405, null));
            }
            check(new Case("GET", path + "?q=" + "x".repeat(9000), null, null, 414, null));
        }
        for (String path : List.of("/no-such-page", "/v1/no-such-resource", "/q/no-such-thing")) {
            check(new Case("GET", path, null, null, 404, null));
        }
        assertTrue(cases > 200, "the corpus ran (" + cases + " cases)");
        assertTrue(
                failures.isEmpty(),
                failures.size() + " of " + cases + " bad requests were answered wrongly:\n"
                        + String.join("\n", failures));
    }

    private List<Case> cases(JsonNode doc, String method, String path, JsonNode op) {
        List<Case> out = new ArrayList<>();
        JsonNode schema = op.at("/requestBody/content/application~1json/schema");
        boolean json = !schema.isMissingNode();
        boolean anyType = !op.at("/requestBody/content/*~1*").isMissingNode();
        if (json || anyType) {
            for (String bad : List.of("{", "{\"a\":}", "{}{}", "[]", "\"str\"", "123", "tru", DEEP)) {
                out.add(new Case(method, path, "application/json", bad, 400, null));
            }
            out.add(new Case(method, path, "application/json", "{\"x\":\"" + "A".repeat(1_100_000) + "\"}", 413, null));
            out.add(new Case(method, path, "application/json", "", 0, null));
            out.add(new Case(method, path, "application/json", "null", 0, null));
            if (json) {
                out.add(new Case(method, path, "text/plain", "{}", 415, null));
            }
            JsonNode props = resolve(doc, schema).get("properties");
            if (props != null && !io.milepost.http.IngestPaths.ALL.contains(path)) {
                // admin bodies are strict (Segment's calls carry fields Milepost does not read: ingestion is not)
                out.add(new Case(method, path, "application/json", "{\"noSuchField\":1}", 400, "/noSuchField"));
            }
            if (props != null) {
                props.fields().forEachRemaining(f -> {
                    for (String bad : wrongValues(resolve(doc, f.getValue()))) {
                        out.add(new Case(
                                method,
                                path,
                                "application/json",
                                "{\"" + f.getKey() + "\":" + bad + "}",
                                400,
                                "/" + f.getKey()));
                    }
                    if ("string".equals(resolve(doc, f.getValue()).path("type").asText())) {
                        out.add(new Case(
                                method,
                                path,
                                "application/json",
                                "{\"" + f.getKey() + "\":\"" + "B".repeat(200_000) + "\"}",
                                0,
                                null));
                    }
                });
            }
        }
        for (JsonNode param : op.path("parameters")) {
            String type = resolve(doc, param.path("schema")).path("type").asText();
            if ("query".equals(param.path("in").asText())
                    && Set.of("integer", "number", "boolean").contains(type)) {
                out.add(new Case(
                        method, path + "?" + param.get("name").asText() + "=not-a-" + type, null, null, 400, null));
            }
        }
        if ("GET".equals(method)) {
            out.add(new Case(method, path + "?format=xml&limit=-1&cursor=%00", null, null, 0, null));
        }
        return out;
    }

    /** Values of another type than the schema says, and a null list item. */
    private static List<String> wrongValues(JsonNode schema) {
        String type = schema.path("type").asText(schema.has("properties") ? "object" : "");
        return switch (type) {
            case "string" -> List.of("123", "true", "{}", "[\"x\"]");
            case "boolean" -> List.of("\"true\"", "1", "\"yes\"", "[]");
            case "integer" -> List.of("\"1\"", "1.5", "true", "1e400");
            case "number" -> List.of("\"x\"", "1e400", "true");
            case "array" -> List.of("\"x\"", "{}", "[null]", "123");
            case "object" -> List.of("\"x\"", "[]", "123");
            default -> List.of();
        };
    }

    private static JsonNode resolve(JsonNode doc, JsonNode schema) {
        for (int i = 0; i < 10 && schema.has("$ref"); i++) {
            schema = doc.at(schema.get("$ref").asText().substring(1));
        }
        if (schema.has("allOf") && schema.get("allOf").size() == 1) {
            return resolve(doc, schema.get("allOf").get(0));
        }
        return schema;
    }

    private void check(Case c) {
        cases++;
        String label = c.method() + " " + cut(c.path()) + (c.body() == null ? "" : " " + cut(c.body()))
                + (c.contentType() == null ? "" : " (" + c.contentType() + ")");
        HttpResponse<String> r;
        try {
            r = send(c.method(), c.path(), c.contentType(), c.body(), Map.of());
        } catch (Exception e) {
            failures.add(label + ": no answer (" + e + ")");
            return;
        }
        int status = r.statusCode();
        if (c.expectedOrZero() == 0 && status < 400) {
            if (status >= 300) {
                failures.add(label + ": " + status);
            }
            return;
        }
        if (c.expectedOrZero() != 0 && status != c.expectedOrZero() || status >= 500 || status < 400) {
            failures.add(label + ": expected " + (c.expectedOrZero() == 0 ? "a 4xx" : c.expectedOrZero()) + ", got "
                    + status + " " + cut(r.body()));
            return;
        }
        String problem = shapeProblem(r);
        if (problem != null) {
            failures.add(label + ": " + status + " " + problem + ": " + cut(r.body()));
        } else if (c.mustName() != null && !r.body().contains(c.mustName())) {
            failures.add(label + ": " + status + " does not name " + c.mustName() + ": " + cut(r.body()));
        }
    }

    static String shapeProblem(HttpResponse<String> r) {
        if (!r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            return "is not JSON (" + r.headers().firstValue("Content-Type").orElse("no Content-Type") + ")";
        }
        if (r.body().length() > 5000) {
            return "is " + r.body().length() + " characters long";
        }
        try {
            JsonNode body = JSON.readTree(r.body());
            if (!body.path("error").isTextual()
                    || !body.path("message").isTextual()
                    || !body.path("details").isArray()) {
                return "is not {error, message, details}";
            }
            if (body.path("message").asText().isBlank()
                    || r.body().contains("\tat ")
                    || r.body().contains("Exception")) {
                return "has an empty message or a stack trace";
            }
        } catch (Exception e) {
            return "is not valid JSON";
        }
        return null;
    }

    HttpResponse<String> send(String method, String path, String contentType, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + root.getPort() + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + Api.ADMIN_KEY);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        headers.forEach(b::header);
        b.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cut(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "…(" + s.length() + ")";
    }

    @Test
    void shouldNameTheFieldAndWhatWasExpectedForAWrongType() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/simulate", "application/json", "{\"events\":[null]}", Map.of());
        assertEquals(400, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertTrue(body.get("message").asText().contains("/events/0"), r.body());
        r = send("POST", "/v1/rules/test", "application/json", "{\"scenarios\":[null]}", Map.of());
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("/scenarios/0"), r.body());
        r = send("POST", "/v1/replay", "application/json", "{\"fireActions\":\"true\"}", Map.of());
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(
                "/fireActions", JSON.readTree(r.body()).at("/details/0/field").asText(), r.body());
        assertTrue(JSON.readTree(r.body()).get("message").asText().contains("true or false"), r.body());
        r = send("POST", "/v1/simulate", "application/json", "{\"events\":[]}  {}", Map.of());
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(
                JSON.readTree(r.body()).get("message").asText().contains("nothing may follow the JSON value"),
                r.body());
        r = send("POST", "/v1/replay", "application/json", "[]", Map.of());
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(
                "the body: must be an object, not an array",
                JSON.readTree(r.body()).get("message").asText(),
                r.body());
        r = send("POST", "/v1/webhooks", "application/json", "{\"url\":[]}", Map.of());
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(
                JSON.readTree(r.body()).get("message").asText().contains("/url: must be a string, not an array"),
                r.body());
        r = send("POST", "/v1/simulate", "application/json", "{\"events\":[], \"traits\":{\"n\":1e400}}", Map.of());
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("/traits/n"), r.body());
    }

    @Test
    void shouldSayWhereMalformedJsonBreaksAndCutEchoedValuesShort() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/webhooks", "application/json", "{\n  \"url\": ,\n}", Map.of());
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("line 2"), r.body());
        String huge = "u".repeat(500_000);
        r = send("POST", "/v1/replay", "application/json", "{\"fireActions\":\"" + huge + "\"}", Map.of());
        assertEquals(400, r.statusCode());
        assertTrue(r.body().length() < 2000, "answer of " + r.body().length() + " characters");
        assertFalse(r.body().contains("u".repeat(200)), r.body());
    }

    @Test
    void shouldRefuseABatchSentAtOfTheWrongType() throws Exception {
        for (String sentAt : List.of("123", "[]", "{}", "true")) {
            HttpResponse<String> r = send(
                    "POST",
                    "/v1/batch",
                    "application/json",
                    "{\"sentAt\":" + sentAt + ",\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}]}",
                    Map.of());
            assertEquals(400, r.statusCode(), r.body());
            assertEquals(
                    "sentAt", JSON.readTree(r.body()).at("/details/0/field").asText(), r.body());
        }
        HttpResponse<String> r =
                send("POST", "/v1/track", "application/json", "{\"userId\":\"   \",\"event\":\"e\"}", Map.of());
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("userId", JSON.readTree(r.body()).at("/details/0/field").asText(), r.body());
    }
}
