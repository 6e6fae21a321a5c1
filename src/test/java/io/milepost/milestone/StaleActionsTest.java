package io.milepost.milestone;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.support.Receiver;
import io.milepost.webhook.Dispatcher;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Importing history with the default {@code milepost.actions.max-age} (1 day): the stalls and
 * milestones land at their own times, and only actions that are still current are sent.
 */
@QuarkusTest
@TestProfile(StaleActionsTest.DefaultMaxAge.class)
class StaleActionsTest {

    public static class DefaultMaxAge implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("milepost.actions.max-age", "1d");
        }
    }

    @Inject
    StallSweep sweep;

    @Inject
    Dispatcher dispatcher;

    private Receiver receiver;
    private String endpoint;

    @BeforeEach
    void listen() {
        while (dispatcher.fanOut() > 0) {
            // earlier tests' messages go nowhere: each test sees only its own
        }
        receiver = Receiver.start();
        endpoint = admin().body("{\"url\":\"" + receiver.url("/hooks") + "\",\"types\":[\"action.triggered\"]}")
                .post("/v1/webhooks")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    @AfterEach
    void stop() {
        admin().delete("/v1/webhooks/" + endpoint);
        receiver.close();
    }

    static Instant ago(Duration d) {
        return Instant.now().minus(d).truncatedTo(ChronoUnit.SECONDS);
    }

    static String item(String user, String event, Instant at) {
        return "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"" + event + "\",\"timestamp\":\"" + at
                + "\"}";
    }

    static String signup(String user, Instant at) {
        return "{\"type\":\"identify\",\"userId\":\"" + user + "\",\"traits\":{\"createdAt\":\"" + at
                + "\"},\"timestamp\":\"" + at + "\"}";
    }

    static JsonPath user(String id) {
        return admin().get("/v1/users/" + id).then().statusCode(200).extract().jsonPath();
    }

    private List<String> sentTo(String user) {
        dispatcher.runOnce();
        return receiver.requests().stream()
                .map(r -> JsonPath.from(r.body()))
                .filter(b -> user.equals(b.getString("data.userId")))
                .map(b -> b.getString("data.action"))
                .toList();
    }

    @Test
    void shouldNotSendTheRescueOfAStallThatTheImportedHistoryResolvedLongAgo() {
        // signed up 30 days ago, searched once, stalled at first value 7 days later, got there 9 days later
        String u = newUser("import-resolved");
        Instant signup = ago(Duration.ofDays(30));
        StringBuilder batch = new StringBuilder(signup(u, signup))
                .append(',')
                .append(item(u, "search_performed", signup.plus(Duration.ofDays(1))));
        Instant later = signup.plus(Duration.ofDays(16));
        for (int i = 0; i < 4; i++) {
            batch.append(',').append(item(u, "search_performed", later.plusSeconds(i)));
        }
        batch.append(',').append(item(u, "list_created", later.plusSeconds(60)));
        writer().body("{\"batch\":[" + batch + "]}").post("/v1/batch").then().statusCode(200);
        sweep.sweep(Instant.now());

        JsonPath state = user(u);
        assertEquals(
                signup.plus(Duration.ofDays(7)).toString(),
                state.getString("stalled.find { it.milestone == 'first_value' }.since"));
        assertEquals(
                later.plusSeconds(60).toString(),
                state.getString("milestones.find { it.name == 'first_value' }.reachedAt"));
        assertEquals(
                signup.plus(Duration.ofDays(7)).toString(),
                state.getString("actions.find { it.action == 'rescue_first_value' }.triggeredAt"),
                "answered when the window closed, on the history's own timeline");
        assertEquals("stale", state.getString("actions.find { it.action == 'rescue_first_value' }.suppressedReason"));
        assertEquals("stale", state.getString("actions.find { it.action == 'suggest_export' }.suppressedReason"));
        assertEquals(List.of(), sentTo(u), "nothing of a month-old history is news");
        String timeline = admin().get("/v1/users/" + u + "/timeline")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertTrue(timeline.contains("older than milepost.actions.max-age"), timeline);
    }

    @Test
    void shouldNotRescueAStallWeeksOldButRescueOneThatJustHappened() {
        String old = newUser("stalled-weeks-ago");
        String fresh = newUser("stalled-just-now");
        Instant oldSignup = ago(Duration.ofDays(25));
        Instant freshSignup = ago(Duration.ofDays(7).plusHours(1));
        writer().body("{\"batch\":[" + signup(old, oldSignup) + ","
                        + item(old, "search_performed", oldSignup.plusSeconds(3600)) + "," + signup(fresh, freshSignup)
                        + "," + item(fresh, "search_performed", freshSignup.plusSeconds(3600)) + "]}")
                .post("/v1/batch")
                .then()
                .statusCode(200);
        sweep.sweep(Instant.now());

        JsonPath gone = user(old);
        assertEquals(
                oldSignup.plus(Duration.ofDays(7)).toString(),
                gone.getString("stalled.find { it.milestone == 'first_value' }.since"));
        assertEquals("stale", gone.getString("actions.find { it.action == 'rescue_first_value' }.suppressedReason"));
        JsonPath current = user(fresh);
        assertFalse(current.getBoolean("actions.find { it.action == 'rescue_first_value' }.suppressed"));
        assertNull(current.get("actions.find { it.action == 'rescue_first_value' }.suppressedReason"));

        assertEquals(
                List.of(),
                sentTo(old).stream().filter(a -> a.startsWith("rescue")).toList());
        assertEquals(
                List.of("rescue_first_value"),
                sentTo(fresh).stream().filter(a -> a.startsWith("rescue")).toList());
        // the action KPI counts what was sent: the stale rescue is on record, not counted as sent
        String kpis = admin().queryParam("from", oldSignup.toString())
                .queryParam("to", oldSignup.plusSeconds(1).toString())
                .get("/v1/kpis/actions")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        JsonPath k = JsonPath.from(kpis);
        assertEquals(0, k.getInt("actions.find { it.action == 'rescue_first_value' }.triggered"), kpis);
        assertEquals(1, k.getInt("actions.find { it.action == 'rescue_first_value' }.suppressed"), kpis);
    }
}
