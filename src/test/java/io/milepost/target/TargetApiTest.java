package io.milepost.target;

import static io.milepost.support.Api.admin;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.standardwebhooks.Webhook;
import io.milepost.support.Receiver;
import io.milepost.webhook.Dispatcher;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Targets against cohorts whose numbers are known: three weekly cohorts in January 2030 (written
 * straight into the tables: ingestion refuses times that far ahead) reach interest within its
 * 3-day window at 25%, 50% and 75%. The evaluation is run at chosen times, as the scheduler would
 * at those times, and a real receiver hears each status change.
 */
@QuarkusTest
class TargetApiTest {
    static final Instant W1 = Instant.parse("2030-01-07T00:00:00Z");

    @Inject
    TargetService targets;

    @Inject
    Dispatcher dispatcher;

    @Inject
    DataSource dataSource;

    /** Cohort {@code week} (0-based) of four users, {@code reached} of whom reach interest a day after signing up. */
    void cohort(String prefix, int week, int reached, long firstId) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement user = c.prepareStatement("INSERT INTO users (id, traits, activity, signed_up_at, "
                        + "signup_from_trait, created_at, updated_at) VALUES (?, '{}', '{}', ?, TRUE, ?, ?)");
                PreparedStatement milestone = c.prepareStatement(
                        "INSERT INTO milestones (id, user_id, milestone, reached_at, "
                                + "rule_name, rules_version, recorded_at) VALUES (?, ?, 'interest', ?, 'test', 'test', ?)")) {
            for (int i = 0; i < 4; i++) {
                String id = prefix + week + "-" + i;
                Instant signup = W1.plus(Duration.ofDays(7L * week + 1)).plusSeconds(3600L * i);
                user.setString(1, id);
                user.setObject(2, signup.atOffset(ZoneOffset.UTC));
                user.setObject(3, signup.atOffset(ZoneOffset.UTC));
                user.setObject(4, signup.atOffset(ZoneOffset.UTC));
                user.addBatch();
                if (i < reached) {
                    milestone.setLong(1, firstId + i);
                    milestone.setString(2, id);
                    milestone.setObject(3, signup.plus(Duration.ofDays(1)).atOffset(ZoneOffset.UTC));
                    milestone.setObject(4, signup.atOffset(ZoneOffset.UTC));
                    milestone.addBatch();
                }
            }
            user.executeBatch();
            milestone.executeBatch();
        }
    }

    private void drain() {
        while (dispatcher.fanOut() > 0) {
            // messages fanned out before the endpoint exists go nowhere
        }
    }

    private List<JsonPath> messages(Receiver receiver, String target) {
        dispatcher.runOnce();
        return receiver.requests().stream()
                .map(r -> JsonPath.from(r.body()))
                .filter(b -> target.equals(b.getString("data.targetId")))
                .toList();
    }

    @Test
    void shouldAnnounceEachStatusChangeOnceThroughTheWebhook() throws Exception {
        String prefix = "tgt-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        long ids = 9_000_000_000L + (System.nanoTime() % 1_000_000) * 100;
        cohort(prefix, 0, 1, ids);
        cohort(prefix, 1, 2, ids + 10);
        cohort(prefix, 2, 3, ids + 20);
        String id = admin().body("{\"name\":\"Weekly interest\",\"milestone\":\"interest\",\"share\":0.6,"
                        + "\"withinWindow\":true,\"cohort\":\"week\",\"deadline\":\"2030-02-28\"}")
                .post("/v1/targets")
                .then()
                .statusCode(201)
                .header("Location", containsString("/v1/targets/tg_"))
                .body("id", startsWith("tg_"))
                .body("deadline", equalTo("2030-02-28"))
                .body("share", equalTo(0.6f))
                .body("cohorts.size()", equalTo(TargetService.SHOWN))
                .extract()
                .path("id");
        try {
            targets.evaluate(Instant.parse("2030-01-01T00:00:00Z"));
            // no complete cohort with users yet (Dec 2029): on track, whatever the status at creation was
            admin().get("/v1/targets/" + id)
                    .then()
                    .statusCode(200)
                    .body("status", equalTo("on_track"))
                    .body("evaluatedAt", equalTo("2030-01-01T00:00:00Z"));
            drain();
            try (Receiver receiver = Receiver.start()) {
                JsonPath endpoint = admin().body(
                                "{\"url\":\"" + receiver.url("/targets") + "\",\"types\":[\"target.status_changed\"]}")
                        .post("/v1/webhooks")
                        .then()
                        .statusCode(201)
                        .extract()
                        .jsonPath();
                try {
                    // W1 complete (its users' windows closed on Jan 17): 25%, one cohort, no trend
                    targets.evaluate(Instant.parse("2030-01-18T00:00:00Z"));
                    List<JsonPath> got = messages(receiver, id);
                    assertEquals(1, got.size());
                    assertEquals("target.status_changed", got.get(0).getString("type"));
                    assertEquals("on_track", got.get(0).getString("data.previousStatus"));
                    assertEquals("at_risk", got.get(0).getString("data.status"));
                    assertEquals(0.25, got.get(0).getDouble("data.current.share"), 1e-9);
                    assertNull(got.get(0).get("data.userId"));
                    Receiver.Request signed = receiver.requests().stream()
                            .filter(r -> r.body().contains(id))
                            .findFirst()
                            .orElseThrow();
                    new Webhook(endpoint.getString("secret")).verify(signed.body(), signed.headers());

                    // W1 and W2 complete: 25%, 50%: +25 points a week projects past 60% by the deadline
                    targets.evaluate(Instant.parse("2030-01-25T00:00:00Z"));
                    targets.evaluate(Instant.parse("2030-01-25T12:00:00Z"));
                    got = messages(receiver, id);
                    assertEquals(2, got.size(), "a status that did not change is not announced again");
                    assertEquals("on_track", got.get(1).getString("data.status"));
                    admin().get("/v1/targets/" + id)
                            .then()
                            .body("status", equalTo("on_track"))
                            .body("statusSince", equalTo("2030-01-25T00:00:00Z"))
                            .body(
                                    "explanation",
                                    startsWith("the last 2 complete weekly cohorts reached 25%, 50% (target 60%)"));

                    // W3 complete: 75%
                    targets.evaluate(Instant.parse("2030-02-01T00:00:00Z"));
                    got = messages(receiver, id);
                    assertEquals(3, got.size());
                    assertEquals("met", got.get(2).getString("data.status"));
                    assertEquals(3, got.get(2).getInt("data.current.reached"));

                    // PATCH judges again at once (now, by the service clock)
                    JsonPath patched = admin().body("{\"share\":0.9}")
                            .patch("/v1/targets/" + id)
                            .then()
                            .statusCode(200)
                            .body("share", equalTo(0.9f))
                            .body("name", equalTo("Weekly interest"))
                            .extract()
                            .jsonPath();
                    String afterPatch = patched.getString("status");
                    got = messages(receiver, id);
                    if (!afterPatch.equals("met")) {
                        assertEquals(4, got.size());
                        assertEquals("met", got.get(3).getString("data.previousStatus"));
                        assertEquals(afterPatch, got.get(3).getString("data.status"));
                    } else {
                        assertEquals(3, got.size());
                    }

                    // the deadline day is over; the latest complete cohort before it reached 75% of 90%
                    targets.evaluate(Instant.parse("2030-03-10T00:00:00Z"));
                    got = messages(receiver, id);
                    JsonPath last = got.get(got.size() - 1);
                    assertEquals("missed", last.getString("data.status"));
                    assertNotEquals(last.getString("data.previousStatus"), "missed");
                    admin().get("/v1/targets")
                            .then()
                            .statusCode(200)
                            .body("targets.find { it.id == '" + id + "' }.status", equalTo("missed"));
                } finally {
                    admin().delete("/v1/webhooks/" + endpoint.getString("id"));
                }
            }
        } finally {
            admin().delete("/v1/targets/" + id).then().statusCode(204);
            admin().get("/v1/targets/" + id).then().statusCode(404);
            try (Connection c = dataSource.getConnection();
                    Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM milestones WHERE user_id LIKE '" + prefix + "%'");
                s.executeUpdate("DELETE FROM users WHERE id LIKE '" + prefix + "%'");
            }
        }
    }

    @Test
    void shouldRefuseABadTargetNamingEachField() {
        admin().body(
                        "{\"name\":\"x\",\"milestone\":\"nope\",\"share\":1.5,\"cohort\":\"fortnight\",\"deadline\":\"2020-01-01\"}")
                .post("/v1/targets")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("details.field", containsInAnyOrder("milestone", "share", "cohort", "deadline"));
        admin().body("{\"milestone\":\"interest\",\"share\":0,\"deadline\":\"soon\"}")
                .post("/v1/targets")
                .then()
                .statusCode(400)
                .body("details.field", containsInAnyOrder("name", "share", "deadline"));
        admin().body(
                        "{\"name\":\"x\",\"milestone\":\"interest\",\"share\":1,\"deadline\":\"2099-12-31\",\"cohort\":\"month\"}")
                .post("/v1/targets")
                .then()
                .statusCode(201)
                .body("cohort", equalTo("month"))
                .body("withinWindow", equalTo(true))
                .body("explanation", containsString("target 100%"))
                // other tests' users may already form complete monthly cohorts: only with none is the status known here
                .body("status", anyOf(equalTo("on_track"), equalTo("at_risk"), equalTo("met")));
        JsonPath created =
                admin().get("/v1/targets").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> cohorts = created.getList("targets.find { it.name == 'x' }.cohorts");
        if (cohorts.stream()
                .noneMatch(c -> Boolean.TRUE.equals(c.get("complete")) && ((Number) c.get("size")).longValue() > 0)) {
            assertEquals("on_track", created.getString("targets.find { it.name == 'x' }.status"));
        }
        admin().body("[1]").post("/v1/targets").then().statusCode(400);
        admin().get("/v1/targets/tg_nope").then().statusCode(404).body("error", equalTo("not_found"));
        admin().body("{\"share\":0.5}").patch("/v1/targets/tg_nope").then().statusCode(404);
        admin().delete("/v1/targets/tg_nope").then().statusCode(404);
        String id =
                admin().get("/v1/targets").then().statusCode(200).extract().path("targets.find { it.name == 'x' }.id");
        admin().body("{\"milestone\":\"ghost\"}")
                .patch("/v1/targets/" + id)
                .then()
                .statusCode(400)
                .body("details.field", contains("milestone"));
        admin().get("/v1/targets/" + id).then().body("milestone", equalTo("interest"));
        admin().delete("/v1/targets/" + id).then().statusCode(204);
    }
}
