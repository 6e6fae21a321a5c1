package io.milepost.rules.api;

import static io.milepost.support.Api.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import io.milepost.rules.RulePolicyTest;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Drafts sent to validate, simulate or test are checked by the rule policy before anything compiles. */
@QuarkusTest
class RulePolicyApiTest {
    static final String EXIT = RulePolicyTest.consequence("System.exit(1);");
    static final String EXIT_REFUSED = "\"System.exit\" is not allowed in rules: " + RulePolicyTest.TYPES;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.milepost.rules.RulePolicyTest#hostileRules")
    void shouldRefuseAHostileDraftAtValidation(String what, String drl, int line, int column, String message) {
        admin().body(Map.of("files", Map.of("hostile.drl", drl), "alone", true))
                .post("/v1/rules/validate")
                .then()
                .statusCode(422)
                .body("valid", equalTo(false))
                .body("errors[0].file", equalTo("hostile.drl"))
                .body("errors[0].line", equalTo(line))
                .body("errors[0].column", equalTo(column))
                .body("errors[0].message", equalTo(message));
    }

    @Test
    void shouldRefuseAHostileDraftOverTheFolderInEveryDryRun() {
        admin().body(Map.of("files", Map.of("hostile.drl", EXIT)))
                .post("/v1/rules/validate")
                .then()
                .statusCode(422)
                .body("errors", hasSize(1))
                .body("errors[0].message", equalTo(EXIT_REFUSED));
        admin().body(Map.of("files", Map.of("hostile.drl", EXIT), "events", List.of(Map.of("event", "x", "at", "+1h"))))
                .post("/v1/simulate")
                .then()
                .statusCode(422)
                .body("error", equalTo("invalid_rules"))
                .body("details[0].file", equalTo("hostile.drl"))
                .body("details[0].line", equalTo(7))
                .body("details[0].message", equalTo(EXIT_REFUSED));
        admin().body(Map.of("files", Map.of("hostile.drl", EXIT)))
                .post("/v1/rules/test")
                .then()
                .statusCode(422)
                .body("error", equalTo("invalid_rules"))
                .body("details[0].message", equalTo(EXIT_REFUSED));
    }

    @Test
    void shouldAcceptARuleThatMentionsSystemExitOnlyInItsPayload() {
        String drl = """
                package rules;

                rule "Tell the team"
                when
                    Event( name == "search_performed" )
                then
                    trigger("tell_the_team", Map.of("text", "never call System.exit(0) from a rule"));
                end
                """;
        admin().body(Map.of("files", Map.of("payload.drl", drl)))
                .post("/v1/rules/validate")
                .then()
                .statusCode(200)
                .body("valid", equalTo(true));
        admin().body(Map.of(
                        "files",
                        Map.of("payload.drl", drl),
                        "events",
                        List.of(Map.of("event", "search_performed", "at", "+1h"))))
                .post("/v1/simulate")
                .then()
                .statusCode(200)
                .body("actions.action", hasItem("tell_the_team"))
                .body(
                        "actions.find { it.action == 'tell_the_team' }.payload.text",
                        equalTo("never call System.exit(0) from a rule"));
    }
}
