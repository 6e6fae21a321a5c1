package io.milepost.engine;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A rule that throws, or loops, affects only that user's evaluation; the events stay stored. */
@QuarkusTest
@TestProfile(RuleFailureTest.BrokenRules.class)
class RuleFailureTest {

    public static class BrokenRules implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path dir = Files.createTempDirectory("milepost-broken-rules");
                Files.writeString(dir.resolve("journey.drl"), """
                        package rules;

                        rule "Interest: first search"
                            @milestone("interest") @order(1)
                        when
                            Activity( event == "search_performed" )
                        then
                            reach("interest");
                        end

                        rule "Crashes on a poisoned event"
                        when
                            Event( name == "poison" )
                        then
                            reach("never");
                            throw new IllegalStateException("boom");
                        end

                        rule "Loops forever"
                        when
                            Event( name == "loop" )
                            $u : User( )
                        then
                            trigger("spam");
                            update($u);
                        end
                        """);
                return Map.of("milepost.rules.dir", dir.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void shouldKeepTheEventsAndShowTheFailureWhenARuleThrows() {
        String u = newUser("crash");
        writer().body("{\"userId\":\"" + u + "\",\"event\":\"poison\",\"timestamp\":\"2026-05-01T10:00:00Z\"}")
                .post("/v1/track")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(1));
        writer().body("{\"userId\":\"" + u
                        + "\",\"event\":\"search_performed\",\"timestamp\":\"2026-05-01T11:00:00Z\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);

        admin().get("/v1/users/" + u)
                .then()
                .statusCode(200)
                .body("activity.poison.count", equalTo(1))
                .body("milestones.name", equalTo(java.util.List.of("interest")));
        admin().get("/v1/users/" + u + "/timeline")
                .then()
                .statusCode(200)
                .body("items.type", hasItem("rule_failure"))
                .body("items.find { it.type == 'rule_failure' }.rule", equalTo("Crashes on a poisoned event"))
                .body("items.find { it.type == 'rule_failure' }.message", containsString("boom"));
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("milepost_rule_failures_total{rule=\"Crashes on a poisoned event\"}"));
    }

    @Test
    void shouldStopARunawayRuleSetAtTheFiringCap() {
        String u = newUser("loop");
        writer().body("{\"userId\":\"" + u + "\",\"event\":\"loop\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);
        admin().get("/v1/users/" + u + "/timeline")
                .then()
                .statusCode(200)
                .body("items.find { it.type == 'rule_failure' }.rule", equalTo("Loops forever"))
                .body(
                        "items.find { it.type == 'rule_failure' }.message",
                        containsString("stopped after 1000 rule firings"));
        admin().get("/v1/users/" + u)
                .then()
                .statusCode(200)
                .body("activity.loop.count", equalTo(1))
                .body("actions.size()", equalTo(0));
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("milepost_rule_failures_total{rule=\"Loops forever\"}"));
    }

    @Test
    void shouldNotLetOneUsersFailureAffectAnotherInTheSameBatch() {
        String bad = newUser("bad");
        String good = newUser("good");
        writer().body("{\"batch\":[{\"type\":\"track\",\"userId\":\"" + bad + "\",\"event\":\"poison\"},"
                        + "{\"type\":\"track\",\"userId\":\"" + good + "\",\"event\":\"search_performed\"}]}")
                .post("/v1/batch")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(2));
        admin().get("/v1/users/" + good).then().body("milestones.name", hasItem("interest"));
        admin().get("/v1/users/" + bad).then().body("milestones.size()", equalTo(0));
    }
}
