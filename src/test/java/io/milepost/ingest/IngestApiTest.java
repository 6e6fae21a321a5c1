package io.milepost.ingest;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.batch;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.track;
import static io.milepost.support.Api.writer;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

@QuarkusTest
class IngestApiTest {

    @Test
    void shouldRecordFirstValueAtTheEventThatCompletedIt() {
        String u = newUser("fv");
        writer().body(batch(
                        track(u, "search_performed", "2026-03-02T10:00:00Z"),
                        track(u, "search_performed", "2026-03-02T10:01:00Z"),
                        track(u, "search_performed", "2026-03-02T10:02:00Z"),
                        track(u, "list_created", "2026-03-02T11:00:00Z"),
                        track(u, "search_performed", "2026-03-03T10:03:00Z"),
                        track(u, "search_performed", "2026-03-03T10:04:00Z")))
                .post("/v1/batch")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(6))
                .body("duplicates", equalTo(0));

        admin().get("/v1/users/" + u)
                .then()
                .statusCode(200)
                .body("stage", equalTo("first_value"))
                .body("milestones.name", contains("interest", "first_value"))
                .body("milestones[0].reachedAt", equalTo("2026-03-02T10:00:00Z"))
                .body("milestones[1].reachedAt", equalTo("2026-03-03T10:04:00Z"))
                .body("milestones[1].rule", equalTo("First Value: 5 searches and a list"))
                .body("activity.search_performed.count", equalTo(5))
                .body("activity.list_created.firstAt", equalTo("2026-03-02T11:00:00Z"))
                .body("actions.action", contains("suggest_lists", "suggest_export"))
                .body("signedUpAt", equalTo("2026-03-02T10:00:00Z"));
    }

    @Test
    void shouldEvaluateABatchInEventTimeOrderWhateverTheOrderSent() {
        String u = newUser("order");
        writer().body(batch(
                        track(u, "list_created", "2026-03-05T09:00:00Z"),
                        track(u, "search_performed", "2026-03-01T10:04:00Z"),
                        track(u, "search_performed", "2026-03-01T10:03:00Z"),
                        track(u, "search_performed", "2026-03-01T10:02:00Z"),
                        track(u, "search_performed", "2026-03-01T10:01:00Z"),
                        track(u, "search_performed", "2026-03-01T10:00:00Z")))
                .post("/v1/batch")
                .then()
                .statusCode(200);
        admin().get("/v1/users/" + u)
                .then()
                .body("milestones.find { it.name == 'interest' }.reachedAt", equalTo("2026-03-01T10:00:00Z"))
                .body("milestones.find { it.name == 'first_value' }.reachedAt", equalTo("2026-03-05T09:00:00Z"))
                .body("actions.action", hasItems("suggest_lists"));
    }

    @Test
    void shouldDateAMilestoneCompletedByALateEventNoEarlierThanTheActivityItBuildsOn() {
        String u = newUser("late");
        writer().body(batch(
                        track(u, "search_performed", "2026-03-01T10:00:00Z"),
                        track(u, "search_performed", "2026-03-01T10:01:00Z"),
                        track(u, "search_performed", "2026-03-01T10:02:00Z"),
                        track(u, "search_performed", "2026-03-01T10:03:00Z"),
                        track(u, "list_created", "2026-03-04T09:00:00Z")))
                .post("/v1/batch")
                .then()
                .statusCode(200);
        // the fifth search arrives later, but happened before the list
        writer().body(track(u, "search_performed", "2026-03-02T08:00:00Z"))
                .post("/v1/track")
                .then()
                .statusCode(200);
        admin().get("/v1/users/" + u)
                .then()
                .body("milestones.find { it.name == 'first_value' }.reachedAt", equalTo("2026-03-04T09:00:00Z"))
                .body("activity.search_performed.count", equalTo(5));
    }

    @Test
    void shouldCountARepeatedMessageIdOnce() {
        String u = newUser("dup");
        String body = "{\"userId\":\"" + u + "\",\"event\":\"search_performed\",\"messageId\":\"" + u + "-m1\"}";
        writer().body(body).post("/v1/track").then().statusCode(200).body("accepted", equalTo(1));
        writer().body(body)
                .post("/v1/track")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(0))
                .body("duplicates", equalTo(1));
        String item = "{\"type\":\"track\",\"userId\":\"" + u + "\",\"event\":\"search_performed\",\"messageId\":\"" + u
                + "-m2\"}";
        writer().body(batch(item, item))
                .post("/v1/batch")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(1))
                .body("duplicates", equalTo(1));
        admin().get("/v1/users/" + u).then().body("activity.search_performed.count", equalTo(2));
    }

    @Test
    void shouldStoreNothingWhenOneBatchItemIsInvalid() {
        String u = newUser("atomic");
        writer().body(batch(
                        track(u, "search_performed", "2026-03-01T10:00:00Z"),
                        "{\"type\":\"track\",\"userId\":\"" + u + "\"}",
                        "{\"type\":\"track\",\"userId\":12,\"event\":\"x\"}",
                        "{\"type\":\"shout\",\"userId\":\"" + u + "\"}"))
                .post("/v1/batch")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_event"))
                .body("details", hasSize(3))
                .body("details[0].index", equalTo(1))
                .body("details[0].field", equalTo("event"))
                .body("details[1].index", equalTo(2))
                .body("details[1].field", equalTo("userId"))
                .body("details[2].index", equalTo(3))
                .body("details[2].field", equalTo("type"));
        admin().get("/v1/users/" + u).then().statusCode(404).body("error", equalTo("not_found"));
    }

    @Test
    void shouldRefuseBadFieldsWithTheirNames() {
        String u = newUser("bad");
        String longId = "x".repeat(256);
        expectField("{\"userId\":\"" + longId + "\",\"event\":\"e\"}", "userId");
        expectField("{\"userId\":\"" + u + "\",\"messageId\":\"" + longId + "\",\"event\":\"e\"}", "messageId");
        expectField("{\"userId\":\"" + u + "\",\"event\":\"" + "e".repeat(201) + "\"}", "event");
        expectField("{\"userId\":{\"a\":1},\"event\":\"e\"}", "userId");
        expectField("{\"anonymousId\":[1],\"event\":\"e\"}", "anonymousId");
        expectField("{\"event\":\"e\"}", "userId");
        expectField("{\"userId\":\"" + u + "\",\"event\":\"e\",\"properties\":[1,2]}", "properties");
        expectField("{\"userId\":\"" + u + "\",\"event\":\"e\",\"properties\":\"text\"}", "properties");
        expectField("{\"userId\":\"" + u + "\",\"event\":\"e\",\"timestamp\":\"yesterday\"}", "timestamp");
        expectField("{\"userId\":\"" + u + "\",\"event\":\"e\",\"timestamp\":1700000000}", "timestamp");
        expectField("{\"userId\":\"" + u + "\",\"event\":\"e\",\"timestamp\":\"1900-01-01T00:00:00Z\"}", "timestamp");
        expectField("{\"userId\":\"" + u + "\",\"event\":\"e\",\"timestamp\":\"2999-01-01T00:00:00Z\"}", "timestamp");
        expectField("{\"userId\":\"" + u + "\",\"event\":\"e\\u0000x\"}", "event");
        expectField(
                "{\"userId\":\"" + u + "\",\"event\":\"e\",\"properties\":{\"a\":{\"b\":\"x\\u0000\"}}}",
                "properties.a.b");
        expectField(
                "{\"userId\":\"" + u + "\",\"event\":\"e\",\"properties\":{\"list\":[\"ok\",\"\\ud800\"]}}",
                "properties.list[1]");
        expectField("{\"userId\":\"" + u + "\\udc00\",\"event\":\"e\"}", "userId");
        admin().get("/v1/users/" + u).then().statusCode(404);
    }

    private static void expectField(String body, String field) {
        writer().body(body)
                .post("/v1/track")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_event"))
                .body("details[0].field", equalTo(field))
                .body("details[0].index", nullValue());
    }

    @Test
    void shouldRefuseMalformedBodiesAsClientErrors() {
        writer().body("{\"userId\":").post("/v1/track").then().statusCode(400).body("error", equalTo("invalid_json"));
        writer().body("").post("/v1/track").then().statusCode(400).body("error", equalTo("invalid_request"));
        writer().body("[1,2]").post("/v1/batch").then().statusCode(400).body("error", equalTo("invalid_request"));
        writer().body("{\"batch\":{}}")
                .post("/v1/batch")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("batch"));
        writer().body("{}").post("/v1/batch").then().statusCode(400).body("details[0].field", equalTo("batch"));
        String deep = "{\"userId\":\"u\",\"event\":\"e\",\"properties\":" + "{\"a\":".repeat(200) + "1"
                + "}".repeat(200) + "}";
        writer().body(deep).post("/v1/track").then().statusCode(400).body("error", equalTo("too_deep"));
        String deepBatch = "{\"batch\":[" + "[".repeat(5000) + "]".repeat(5000) + "]}";
        writer().body(deepBatch).post("/v1/batch").then().statusCode(400).body("error", equalTo("too_deep"));
    }

    @Test
    void shouldRefuseOversizedBodiesWith413() {
        String u = newUser("big");
        String bigEvent =
                "{\"userId\":\"" + u + "\",\"event\":\"e\",\"properties\":{\"blob\":\"" + "x".repeat(33_000) + "\"}}";
        writer().body(bigEvent).post("/v1/track").then().statusCode(413).body("error", equalTo("payload_too_large"));
        String bigItem = "{\"type\":\"track\",\"userId\":\"" + u + "\",\"event\":\"e\",\"properties\":{\"blob\":\""
                + "x".repeat(33_000) + "\"}}";
        writer().body(batch(track(u, "e", "2026-03-01T00:00:00Z"), bigItem))
                .post("/v1/batch")
                .then()
                .statusCode(413)
                .body("details[0].index", equalTo(1));
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            items.append(i == 0 ? "" : ",")
                    .append("{\"type\":\"track\",\"userId\":\"")
                    .append(u)
                    .append("\",\"event\":\"e\",\"properties\":{\"blob\":\"")
                    .append("y".repeat(15_000))
                    .append("\"}}");
        }
        writer().body("{\"batch\":[" + items + "]}").post("/v1/batch").then().statusCode(413);
        admin().get("/v1/users/" + u).then().statusCode(404);
    }

    @Test
    void shouldCorrectClockSkewFromSentAt() {
        String u = newUser("skew");
        Instant now = Instant.now();
        // the device clock runs 2 hours fast: it says the event was at now+2h-10min and sent at now+2h
        String body = "{\"userId\":\"" + u + "\",\"event\":\"search_performed\",\"timestamp\":\""
                + now.plus(Duration.ofMinutes(110)) + "\",\"sentAt\":\"" + now.plus(Duration.ofHours(2)) + "\"}";
        writer().body(body).post("/v1/track").then().statusCode(200);
        String stored = admin().get("/v1/users/" + u).then().extract().path("activity.search_performed.firstAt");
        Duration off = Duration.between(now.minus(Duration.ofMinutes(10)), Instant.parse(stored))
                .abs();
        assertTrue(
                off.compareTo(Duration.ofSeconds(30)) < 0,
                "corrected time " + stored + " is not ~10 minutes before " + now);
    }

    @Test
    void shouldAcceptWhatSegmentLibrariesSendAndIgnoreWhatItDoesNotUse() {
        String u = newUser("segment");
        String body = "{\"batch\":[{\"type\":\"identify\",\"userId\":\"" + u
                + "\",\"traits\":{\"plan\":\"team\",\"name\":\"Zo\u00eb \\ud83d\\ude80\",\"createdAt\":\"2026-02-01T08:00:00Z\"},"
                + "\"context\":{\"library\":{\"name\":\"analytics-java\"}},\"integrations\":{\"All\":true},\"_metadata\":{\"x\":1},"
                + "\"messageId\":\"" + u + "-1\",\"timestamp\":\"2026-02-01T08:00:00Z\"},"
                + "{\"type\":\"page\",\"userId\":\"" + u + "\",\"name\":\"Home\"},"
                + "{\"type\":\"track\",\"anonymousId\":\"" + u + "-anon\",\"event\":\"search_performed\"}],"
                + "\"writeKey\":\"whatever\",\"sentAt\":\"" + Instant.now() + "\",\"context\":{}}";
        writer().body(body).post("/v1/import/").then().statusCode(200).body("accepted", equalTo(3));
        admin().get("/v1/users/" + u)
                .then()
                .statusCode(200)
                .body("traits.plan", equalTo("team"))
                .body("traits.name", equalTo("Zo\u00eb \ud83d\ude80"))
                .body("signedUpAt", equalTo("2026-02-01T08:00:00Z"));
        admin().get("/v1/users/" + u + "-anon").then().statusCode(200).body("milestones.name", contains("interest"));
    }
}
