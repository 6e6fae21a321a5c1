package io.milepost.engine;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.signup;
import static io.milepost.support.Api.writer;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.milestone.StallSweep;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Rules that loop, recurse or backtrack end as recorded failures of that user's evaluation, in
 * ingestion, the stall sweep, simulate and scenario tests: the answer comes at the evaluation
 * deadline, the events are kept, the user's other rules run again on their next event, and other
 * users are served meanwhile.
 */
@QuarkusTest
@TestProfile(HostileRuleEvaluationTest.HostileRules.class)
class HostileRuleEvaluationTest {
    static final Duration DEADLINE = Duration.ofSeconds(1);
    /** Room above the deadline for a loaded build machine; these requests took 40 s to forever before. */
    static final Duration MARGIN = Duration.ofSeconds(4);

    public static class HostileRules implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path dir = Files.createTempDirectory("milepost-hostile-rules");
                Files.writeString(dir.resolve("journey.drl"), """
                        package rules;

                        function int down(int n) {
                            return down(n + 1) + 1;
                        }

                        rule "Interest: first search"
                            @milestone("interest") @order(1) @within("3d")
                        when
                            Activity( event == "search_performed" )
                        then
                            reach("interest");
                        end

                        rule "Spins forever"
                        when
                            Event( name == "spin" )
                        then
                            while (true) { }
                        end

                        rule "Recurses"
                        when
                            Event( name == "recurse" )
                        then
                            down(0);
                        end

                        rule "Backtracks"
                        when
                            Event( name == "backtrack" )
                        then
                            if ("1,".repeat(40).matches("(.*?,){11}P")) { trigger("matched"); }
                        end

                        rule "Spins on a stall"
                        when
                            Stalled( milestone == "interest" )
                        then
                            while (true) { }
                        end
                        """);
                return Map.of("milepost.rules.dir", dir.toString(), "milepost.rules.max-evaluation-time", "1s");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    StallSweep sweep;

    @Test
    void shouldRecordALoopAsAFailureAtTheDeadlineAndKeepServingOthers() throws Exception {
        String looping = newUser("loop");
        String other = newUser("other");
        long started = System.nanoTime();
        CompletableFuture<Integer> stuck = CompletableFuture.supplyAsync(() -> track(looping, "spin"));
        // while the loop runs, another user is served
        assertEquals(200, track(other, "search_performed"));
        assertEquals(200, stuck.get(DEADLINE.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS));
        assertWithinDeadline(started);

        admin().get("/v1/users/" + other).then().body("milestones.name", equalTo(List.of("interest")));
        assertFailure(
                looping,
                "Spins forever",
                "abandoned after 1000 ms (milepost.rules.max-evaluation-time) in rule \"Spins forever\"");
        admin().get("/v1/users/" + looping).then().body("activity.spin.count", equalTo(1));
        assertNextEventIsEvaluated(looping);
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("milepost_rule_failures_total{rule=\"Spins forever\"}"));
    }

    @Test
    void shouldRecordAStackOverflowAsAFailure() {
        String u = newUser("recurse");
        assertEquals(200, track(u, "recurse"));

        assertFailure(u, "Recurses", "StackOverflowError");
        admin().get("/v1/users/" + u).then().body("activity.recurse.count", equalTo(1));
        assertNextEventIsEvaluated(u);
    }

    @Test
    void shouldStopARegularExpressionThatBacktracksAtTheDeadline() {
        String u = newUser("regex");
        long started = System.nanoTime();
        assertEquals(200, track(u, "backtrack"));
        assertWithinDeadline(started);

        assertFailure(u, "Backtracks", "abandoned after 1000 ms");
        assertNextEventIsEvaluated(u);
    }

    @Test
    void shouldRecordTheStallAndTheFailureWhenAReactiveRuleLoops() {
        String u = newUser("sweep");
        Instant signup = Instant.now().minus(Duration.ofDays(4)).truncatedTo(ChronoUnit.SECONDS);
        signup(u, signup);
        Instant closes = signup.plus(Duration.ofDays(3));

        long started = System.nanoTime();
        sweep.sweep(closes.plusSeconds(1));
        assertWithinDeadline(started);

        admin().get("/v1/users/" + u)
                .then()
                .body("stalled.milestone", equalTo(List.of("interest")))
                .body("stalled[0].since", equalTo(closes.toString()));
        assertFailure(u, "Spins on a stall", "abandoned after 1000 ms");
        // ingestion closes the window of a past-dated signup too, so the rule may have failed there
        // as well; what matters is that the sweep does not pick the user up again and again
        int failures = admin().get("/v1/users/" + u + "/timeline")
                .then()
                .extract()
                .path("items.findAll { it.type == 'rule_failure' }.size()");
        assertTrue(failures <= 2, "one failure per evaluation that met the closed window: " + failures);
        sweep.sweep(closes.plusSeconds(2));
        admin().get("/v1/users/" + u + "/timeline")
                .then()
                .body("items.findAll { it.type == 'rule_failure' }.size()", equalTo(failures));
    }

    @Test
    void shouldAnswerSimulateWithTheFailuresInsteadOfAnError() {
        long started = System.nanoTime();
        admin().body(
                        "{\"events\": [{\"event\": \"recurse\", \"at\": \"+1h\"}, {\"event\": \"spin\", \"at\": \"+2h\"}]}")
                .post("/v1/simulate")
                .then()
                .statusCode(200)
                .body("stack", nullValue())
                .body("failures.rule", equalTo(List.of("Recurses", "Spins forever")))
                .body("failures[0].message", containsString("StackOverflowError"))
                .body("failures[1].message", containsString("abandoned after 1000 ms"));
        assertWithinDeadline(started);
    }

    @Test
    void shouldReportFailuresOfScenarioTestsAsResults() {
        admin().body("""
                        {"scenarios": [{"name": "recursion",
                          "events": [{"event": "recurse", "at": "+1h"}],
                          "expect": {"milestones": []}}]}""")
                .post("/v1/rules/test")
                .then()
                .statusCode(200)
                .contentType("application/json")
                .body("failed", equalTo(1))
                .body("results[0].errors[0]", containsString("rule \"Recurses\": StackOverflowError"));
    }

    private static int track(String user, String event) {
        return writer().body("{\"userId\":\"" + user + "\",\"event\":\"" + event + "\"}")
                .post("/v1/track")
                .statusCode();
    }

    private static void assertWithinDeadline(long startedNanos) {
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        assertTrue(took.compareTo(DEADLINE.plus(MARGIN)) < 0, "answered after " + took);
    }

    private static void assertFailure(String user, String rule, String says) {
        admin().get("/v1/users/" + user + "/timeline")
                .then()
                .statusCode(200)
                .body("items.type", hasItem("rule_failure"))
                .body("items.find { it.type == 'rule_failure' }.rule", equalTo(rule))
                .body("items.find { it.type == 'rule_failure' }.message", containsString(says));
    }

    /** The user's other rules run again on their next event. */
    private static void assertNextEventIsEvaluated(String user) {
        assertEquals(200, track(user, "search_performed"));
        admin().get("/v1/users/" + user).then().body("milestones.name", equalTo(List.of("interest")));
    }
}
