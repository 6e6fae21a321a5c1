package io.milepost.rules.api;

import static io.milepost.support.Api.admin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validate, simulate and test rules without changing anything. */
@QuarkusTest
class DryRunApiTest {

    @Test
    void shouldValidateDraftFilesAndPointAtTheirErrors() {
        admin().body(
                        "{\"files\":{\"extra.drl\":\"package rules;\\nrule \\\"Power user\\\" @milestone(\\\"power\\\") @order(9)\\n"
                                + "when Activity( event == \\\"search_performed\\\", count >= 100 ) then reach(\\\"power\\\"); end\\n\"}}")
                .post("/v1/rules/validate")
                .then()
                .statusCode(200)
                .body("valid", equalTo(true))
                .body("milestones", hasItem("power"))
                .body("milestones", hasItem("first_value"));
        admin().body(
                        "{\"files\":{\"broken.drl\":\"package rules;\\n\\nrule \\\"x\\\" when\\n  Activity( nosuch == 1 )\\nthen end\\n\"},"
                                + "\"alone\":true}")
                .post("/v1/rules/validate")
                .then()
                .statusCode(422)
                .body("valid", equalTo(false))
                .body("errors[0].file", equalTo("broken.drl"))
                .body("errors[0].line", equalTo(4));
        admin().body("{\"files\":{\"../etc/evil.drl\":\"rule \\\"x\\\" when then end\"}}")
                .post("/v1/rules/validate")
                .then()
                .statusCode(422)
                .body("errors[0].file", equalTo("../etc/evil.drl"));
        admin().body("{}").post("/v1/rules/validate").then().statusCode(400);
        // nothing changed
        admin().get("/v1/rules").then().body("rules.name", org.hamcrest.Matchers.not(hasItem("Power user")));
    }

    @Test
    void shouldSimulateMilestonesStallsAndActionsWithoutStoringAnything() {
        admin().body("""
                        {"signedUpAt": "2026-01-05T09:00:00Z",
                         "events": [
                           {"event": "search_performed", "at": "+1h"},
                           {"event": "search_performed", "at": "+2h"},
                           {"event": "search_performed", "at": "+3h"}],
                         "at": "+8d"}""")
                .post("/v1/simulate")
                .then()
                .statusCode(200)
                .body("milestones[0].milestone", equalTo("interest"))
                .body("milestones[0].at", equalTo("2026-01-05T10:00:00Z"))
                .body("stalled.milestone", hasItem("first_value"))
                .body("stalled.find { it.milestone == 'first_value' }.since", equalTo("2026-01-12T09:00:00Z"))
                .body("actions.action", hasItem("suggest_lists"))
                .body("actions.action", hasItem("rescue_first_value"));
        admin().get("/v1/users/simulated-user").then().statusCode(404);
    }

    @Test
    void shouldSimulateUnderDraftRules() {
        admin().body("""
                        {"events": [{"event": "search_performed", "at": "+1h"}],
                         "files": {"interest.dslr": "package rules;\\nexpander milepost.dsl\\nrule \\"Any search\\" @milestone(\\"searcher\\") @order(1)\\nwhen\\n  The user did \\"search_performed\\"\\nthen\\n  Record the milestone \\"searcher\\"\\nend\\n"}}""")
                .post("/v1/simulate")
                .then()
                .statusCode(200)
                .body("milestones.milestone", hasItem("searcher"))
                .body("milestones.milestone", org.hamcrest.Matchers.not(hasItem("interest")));
        admin().body("{\"events\": [{\"at\": \"+1h\"}]}")
                .post("/v1/simulate")
                .then()
                .statusCode(400)
                .body("message", containsString("event"));
        admin().body("{\"events\": [{\"event\": \"x\", \"at\": \"tomorrow\"}]}")
                .post("/v1/simulate")
                .then()
                .statusCode(400);
    }

    @Test
    void shouldRunTheFoldersScenariosAndReportFailuresPrecisely() {
        admin().body("{}")
                .post("/v1/rules/test")
                .then()
                .statusCode(200)
                .body("failed", equalTo(0))
                .body("passed", greaterThan(4));
        admin().body("""
                        {"scenarios": [{"name": "wrong on purpose",
                          "events": [{"event": "search_performed", "at": "+2h"}],
                          "expect": {"milestones": [{"name": "interest", "at": "+1h"}], "actions": ["suggest_lists"]}}]}""")
                .post("/v1/rules/test")
                .then()
                .statusCode(200)
                .body("failed", equalTo(1))
                .body("results[0].failures", hasSize(2))
                .body(
                        "results[0].failures[0]",
                        containsString("expected milestone interest at 2026-01-05T10:00:00Z (+1h), "
                                + "but it was reached at 2026-01-05T11:00:00Z"))
                .body(
                        "results[0].failures[1]",
                        containsString("expected action suggest_lists to fire, but it did not"));
    }

    @Test
    void shouldExpectAnActionsPayloadAndTimeAndSayWhatFiredInstead() {
        admin().body(scenario(Map.of(
                        "actions",
                        List.of(Map.of(
                                "action",
                                "rescue_first_value",
                                "payload",
                                Map.of("tip", "Create your first list"),
                                "at",
                                "+7d")))))
                .post("/v1/rules/test")
                .then()
                .statusCode(200)
                .body("passed", equalTo(1))
                .body(
                        "results[0].fired.find { it.action == 'rescue_first_value' }.payload.tip",
                        equalTo("Create your first list"))
                .body(
                        "results[0].fired.find { it.action == 'rescue_first_value' }.at",
                        equalTo("2026-01-12T09:00:00Z"));
        admin().body(scenario(Map.of(
                        "actions",
                        List.of(Map.of("action", "rescue_first_value", "payload", Map.of("tip", "Search more"))))))
                .post("/v1/rules/test")
                .then()
                .statusCode(200)
                .body("failed", equalTo(1))
                .body(
                        "results[0].failures[0]",
                        equalTo(
                                "expected action rescue_first_value with payload {tip=Search more}, "
                                        + "but it fired once: first at 2026-01-12T09:00:00Z (+7d after signup) with payload {tip=Create your first list}"));
        admin().body(scenario(Map.of("action", List.of("x"))))
                .post("/v1/rules/test")
                .then()
                .statusCode(400)
                .body("message", containsString("unknown field \"action\""))
                .body("message", containsString("\"actions\""));
    }

    /** One inline scenario: a search an hour after signup, looked at after eight days, with {@code expect}. */
    private static Map<String, Object> scenario(Map<String, Object> expect) {
        return Map.of(
                "scenarios",
                List.of(Map.of(
                        "name",
                        "rescue",
                        "at",
                        "+8d",
                        "events",
                        List.of(Map.of("event", "search_performed", "at", "+1h")),
                        "expect",
                        expect)));
    }

    @Test
    void shouldValidateAndSimulateADraftAloneWithTheBuiltInPhrases() {
        Map<String, String> files = Map.of("draft.dslr", """
                package rules;
                rule "Searcher" @milestone("searcher") @order(1)
                when
                    The user did "search_performed" at least 2 times
                then
                    Record the milestone "searcher"
                end
                """);
        admin().body(Map.of("files", files, "alone", true))
                .post("/v1/rules/validate")
                .then()
                .statusCode(200)
                .body("valid", equalTo(true))
                .body("milestones", equalTo(List.of("searcher")));
        admin().body(Map.of(
                        "files",
                        files,
                        "alone",
                        true,
                        "events",
                        List.of(
                                Map.of("event", "search_performed", "at", "+1h"),
                                Map.of("event", "search_performed", "at", "+2h"))))
                .post("/v1/simulate")
                .then()
                .statusCode(200)
                .body("milestones.milestone", equalTo(List.of("searcher")))
                .body("milestones[0].rule", equalTo("Searcher"))
                .body("actions", hasSize(0));
    }

    @Test
    void shouldListEachFiredRuleOnce() {
        admin().body("""
                        {"events": [
                           {"event": "search_performed", "at": "+1h"}, {"event": "search_performed", "at": "+2h"},
                           {"event": "search_performed", "at": "+3h"}, {"event": "search_performed", "at": "+4h"}]}""")
                .post("/v1/simulate")
                .then()
                .statusCode(200)
                .body("firedRules.findAll { it == 'Proactive: searching, but no list yet' }", hasSize(1))
                .body("actions.findAll { it.action == 'suggest_lists' }", hasSize(1));
    }

    @Test
    void shouldListThePhrasesForEditors() {
        admin().get("/v1/rules/phrases")
                .then()
                .statusCode(200)
                .body(
                        "phrases.find { it.phrase == 'The user did \"{event}\" at least {n} times' }.section",
                        equalTo("condition"))
                .body(
                        "phrases.find { it.phrase == 'The user did \"{event}\" at least {n} times' }.code",
                        equalTo("Activity( event == \"{event}\", count >= {n} )"))
                .body(
                        "phrases.find { it.phrase == 'Trigger \"{action}\" with {entries}' }.section",
                        equalTo("consequence"))
                .body("errors", hasSize(0));
    }

    @Test
    void shouldRefuseAnUnknownFieldInAnAdminBodyNamingIt() {
        admin().body("{\"event\": [{\"event\": \"x\"}]}")
                .post("/v1/simulate")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_json"))
                .body("message", containsString("unknown field \"event\""))
                .body("message", containsString("\"events\""));
        admin().body("{\"fireAction\": true}")
                .post("/v1/replay")
                .then()
                .statusCode(400)
                .body("message", containsString("unknown field \"fireAction\""))
                .body("message", containsString("\"fireActions\""));
    }

    @Test
    void shouldWarnAboutWhatIsLegalButLikelyWrong() {
        Map<String, String> files = Map.of("draft.drl", """
                package rules;
                declare Seen end
                rule "Habit" @milestone("habit") @order(7) @within("7d")
                when
                    Activity( event == "search_performed", countWithin(3) >= 3 )
                then
                    reach("habit");
                    insert(new Seen());
                end
                rule "After power"
                when
                    Milestone( name == "powr_user" )
                    Event( name == "serach_performed" )
                then
                    trigger("power_tips");
                end
                """);
        io.milepost.support.Api.sendTrack(
                io.milepost.support.Api.newUser("sender"), "search_performed", java.time.Instant.now());
        admin().body(Map.of("files", files))
                .post("/v1/rules/validate")
                .then()
                .statusCode(200)
                .body("valid", equalTo(true))
                .body(
                        "warnings.find { it.line == 5 }.message",
                        containsString(
                                "this counts 3 days from signup, but milestone \"habit\" has a window of 7 days"))
                .body("warnings.find { it.line == 8 }.message", containsString("lasts for this evaluation only"))
                .body(
                        "warnings.find { it.line == 12 }.message",
                        equalTo("milestone \"powr_user\" is not reached by any rule: this condition can never hold"))
                .body(
                        "warnings.find { it.line == 13 }.message",
                        equalTo(
                                "no \"serach_performed\" event has arrived in the last 30 days: check the name against what your product sends"))
                .body("warnings.findAll { it.message.contains('search_performed\" event') }", hasSize(0))
                .body("warnings.file", org.hamcrest.Matchers.everyItem(equalTo("draft.drl")));
    }
}
