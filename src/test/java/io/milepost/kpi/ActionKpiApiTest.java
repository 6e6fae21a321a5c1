package io.milepost.kpi;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.batch;
import static io.milepost.support.Api.track;
import static io.milepost.support.Api.writer;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.engine.Holdout;
import io.milepost.support.Receiver;
import io.milepost.webhook.Dispatcher;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The shipped rules hold out 10% of suggest_invite. Users known to be in or out of its control
 * group (the holdout is a hash, so a test can pick them) reach value realization; the held-out
 * ones get no webhook, and the action KPI compares how many of each group then reached value growth.
 */
@QuarkusTest
class ActionKpiApiTest {
    static final String DAY = "2024-02-29";

    @Inject
    Dispatcher dispatcher;

    @Inject
    EntityManager em;

    static List<String> users(boolean heldOut, int n) {
        List<String> found = new ArrayList<>();
        while (found.size() < n) {
            String u = "akpi-" + UUID.randomUUID();
            if (Holdout.heldOut(u, "suggest_invite", 0.1) == heldOut) {
                found.add(u);
            }
        }
        return found;
    }

    /** Signs up at 08:00, reaches first value at 09:00 and value realization at 10:00; invites a teammate the next day. */
    static void journey(String u, boolean invites) {
        writer().body("{\"userId\":\"" + u + "\",\"traits\":{\"createdAt\":\"" + DAY + "T08:00:00Z\"},\"timestamp\":\""
                        + DAY + "T08:00:00Z\"}")
                .post("/v1/identify")
                .then()
                .statusCode(200);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            items.add(track(u, "search_performed", DAY + "T09:0" + i + ":00Z"));
        }
        items.add(track(u, "list_created", DAY + "T09:10:00Z"));
        items.add(track(u, "export_completed", DAY + "T10:00:00Z"));
        if (invites) {
            items.add(track(u, "teammate_invited", "2024-03-01T10:00:00Z"));
        }
        writer().body(batch(items.toArray(String[]::new)))
                .post("/v1/batch")
                .then()
                .statusCode(200);
    }

    @Test
    void shouldSendNothingToTheControlGroupAndCompareBothGroups() {
        while (dispatcher.fanOut() > 0) {
            // earlier tests' messages go nowhere: this test sees only its own
        }
        List<String> treated = users(false, 4);
        List<String> control = users(true, 3);
        try (Receiver receiver = Receiver.start()) {
            String endpoint = admin().body("{\"url\":\"" + receiver.url("/hooks")
                            + "\",\"types\":[\"action.triggered\"]," + "\"actions\":[\"suggest_invite\"]}")
                    .post("/v1/webhooks")
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("id");
            try {
                for (int i = 0; i < treated.size(); i++) {
                    journey(treated.get(i), i < 2);
                }
                for (int i = 0; i < control.size(); i++) {
                    journey(control.get(i), i < 1);
                }
                dispatcher.runOnce();

                Set<String> notified = receiver.requests().stream()
                        .map(r -> JsonPath.from(r.body()).getString("data.userId"))
                        .filter(u -> u.startsWith("akpi-"))
                        .collect(Collectors.toSet());
                assertEquals(Set.copyOf(treated), notified, "every treated user, and no held-out user, got a webhook");
                // (while the endpoint exists: deleting an endpoint deletes its deliveries)
                admin().queryParam("from", DAY)
                        .queryParam("to", "2024-03-01")
                        .get("/v1/kpis/actions")
                        .then()
                        .statusCode(200)
                        .body("actions.find { it.action == 'suggest_invite' }.delivered", equalTo(4));
            } finally {
                admin().delete("/v1/webhooks/" + endpoint);
            }
        }
        for (String u : control) {
            admin().get("/v1/users/" + u)
                    .then()
                    .statusCode(200)
                    .body("actions.find { it.action == 'suggest_invite' }.heldOut", equalTo(true))
                    .body("milestones.name", org.hamcrest.Matchers.hasItem("value_realization"));
            long messages = ((Number) em.createNativeQuery(
                                    "SELECT count(*) FROM outbox WHERE user_id = ?1 AND subject = 'suggest_invite'")
                            .setParameter(1, u)
                            .getSingleResult())
                    .longValue();
            assertEquals(0, messages, "no outbox message for a held-out user");
            admin().get("/v1/users/" + u + "/timeline")
                    .then()
                    .statusCode(200)
                    .body(
                            "items.find { it.name == 'suggest_invite' }.message",
                            equalTo("held out: in the control group of the rule's @holdout, not sent"));
        }
        admin().get("/v1/users/" + treated.get(0))
                .then()
                .body("actions.find { it.action == 'suggest_invite' }.heldOut", equalTo(false));

        Proportions.Interval ci = Proportions.newcombeDifference(2, 4, 1, 3, Proportions.Z95);
        JsonPath kpi = admin().queryParam("from", DAY)
                .queryParam("to", "2024-03-01")
                .get("/v1/kpis/actions")
                .then()
                .statusCode(200)
                .body("from", equalTo("2024-02-29T00:00:00Z"))
                .body("actions.find { it.action == 'suggest_invite' }.triggered", equalTo(4))
                .body("actions.find { it.action == 'suggest_invite' }.users", equalTo(4))
                .body("actions.find { it.action == 'suggest_invite' }.heldOut", equalTo(3))
                .body("actions.find { it.action == 'suggest_invite' }.suppressed", equalTo(0))
                .body("actions.find { it.action == 'suggest_invite' }.holdout", equalTo(0.1f))
                .body("actions.find { it.action == 'suggest_invite' }.treated.users", equalTo(4))
                .body("actions.find { it.action == 'suggest_invite' }.treated.converted", equalTo(2))
                .body("actions.find { it.action == 'suggest_invite' }.treated.rate", equalTo(0.5f))
                .body("actions.find { it.action == 'suggest_invite' }.control.users", equalTo(3))
                .body("actions.find { it.action == 'suggest_invite' }.control.converted", equalTo(1))
                .body("actions.find { it.action == 'suggest_invite' }.control.rate", equalTo(0.3333f))
                .body("actions.find { it.action == 'suggest_invite' }.difference", equalTo(0.1667f))
                .body("actions.find { it.action == 'suggest_invite' }.confidenceInterval.level", equalTo(0.95f))
                .body("actions.find { it.action == 'suggest_invite' }.baseline", equalTo("holdout"))
                // suggest_export has no @holdout: no baseline, and no control group implied
                .body("actions.find { it.action == 'suggest_export' }.users", equalTo(7))
                .body("actions.find { it.action == 'suggest_export' }.treated.converted", equalTo(7))
                .body("actions.find { it.action == 'suggest_export' }.holdout", nullValue())
                .body("actions.find { it.action == 'suggest_export' }.control", nullValue())
                .body("actions.find { it.action == 'suggest_export' }.difference", nullValue())
                .body("actions.find { it.action == 'suggest_export' }.confidenceInterval", nullValue())
                .body("actions.find { it.action == 'suggest_export' }.baseline", equalTo("none"))
                .extract()
                .jsonPath();
        assertEquals(
                Math.round(ci.low() * 10_000) / 10_000.0,
                kpi.getDouble("actions.find { it.action == 'suggest_invite' }.confidenceInterval.low"),
                1e-6);
        assertEquals(
                Math.round(ci.high() * 10_000) / 10_000.0,
                kpi.getDouble("actions.find { it.action == 'suggest_invite' }.confidenceInterval.high"),
                1e-6);
        assertTrue(ci.low() < 0 && ci.high() > 0.1667, "with 4 and 3 users the difference is not certain: " + ci);
    }

    @Test
    void shouldRefuseUnknownParametersAndBadRanges() {
        admin().queryParam("form", DAY)
                .get("/v1/kpis/actions")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("details[0].field", equalTo("form"));
        admin().queryParam("from", "2024-03-02")
                .queryParam("to", "2024-03-01")
                .get("/v1/kpis/actions")
                .then()
                .statusCode(400);
        admin().queryParam("from", "yesterday")
                .get("/v1/kpis/actions")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("from"));
    }
}
