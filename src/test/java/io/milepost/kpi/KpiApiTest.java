package io.milepost.kpi;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static io.milepost.support.Api.signup;
import static io.milepost.support.Api.writer;
import static io.milepost.support.DurationMatchers.withinOnePercentOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.milepost.milestone.StallSweep;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The funnel and action KPIs for a cohort whose every number is known. */
@QuarkusTest
class KpiApiTest {
    static final Instant DAY = Instant.parse("2025-07-01T00:00:00Z");

    @Inject
    StallSweep sweep;

    static void firstValue(String u, Instant at) {
        for (int i = 0; i < 5; i++) {
            sendTrack(u, "search_performed", at.plusSeconds(i));
        }
        sendTrack(u, "list_created", at.plusSeconds(60));
    }

    @Test
    void shouldReportProgressTimeToReachWindowsAndDropOffForACohort() {
        String fast = newUser("kpi-fast");
        String late = newUser("kpi-late");
        String idle = newUser("kpi-idle");
        signup(fast, DAY);
        signup(late, DAY.plus(Duration.ofHours(1)));
        signup(idle, DAY.plus(Duration.ofHours(2)));
        firstValue(fast, DAY.plus(Duration.ofHours(1))); // interest +1h, first value +1h1m
        sendTrack(fast, "export_completed", DAY.plus(Duration.ofDays(2))); // value realization in window
        sendTrack(late, "search_performed", DAY.plus(Duration.ofHours(11))); // interest +10h
        firstValue(late, DAY.plus(Duration.ofDays(9))); // first value 8 days late... after its 7-day window
        sweep.sweep(Instant.now());

        admin().queryParam("from", "2025-07-01")
                .queryParam("to", "2025-07-02")
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(3))
                .body("milestones[0].milestone", equalTo("interest"))
                .body("milestones[0].reached", equalTo(2))
                .body("milestones[0].share", equalTo(0.6667f))
                .body("milestones[0].conversionFromPrevious", equalTo(0.6667f))
                .body("milestones[0].reachedWithinWindow", equalTo(2))
                .body("milestones[0].stalled", equalTo(1))
                .body("milestones[0].medianTimeToReach", withinOnePercentOf("PT1H"))
                .body("milestones[0].p90TimeToReach", withinOnePercentOf("PT10H"))
                .body("milestones[1].milestone", equalTo("first_value"))
                .body("milestones[1].reached", equalTo(2))
                .body("milestones[1].conversionFromPrevious", equalTo(1.0f))
                .body("milestones[1].reachedWithinWindow", equalTo(1))
                .body("milestones[1].stalled", equalTo(2))
                .body("milestones[2].milestone", equalTo("value_realization"))
                .body("milestones[2].reached", equalTo(1))
                .body("milestones[2].conversionFromPrevious", equalTo(0.5f))
                .body("milestones[2].reachedWithinWindow", equalTo(1))
                .body("milestones[2].stalled", equalTo(1))
                .body("milestones[2].previous", equalTo("first_value"))
                .body("milestones[2].measuredFrom", equalTo("first_value"))
                .body("milestones[2].medianTimeToReach", withinOnePercentOf("PT46H59M"))
                .body("milestones[3].reached", equalTo(0))
                .body("milestones[0].droppedOff", equalTo(1))
                .body("milestones[0].inProgress", equalTo(0))
                .body("milestones[1].droppedOff", equalTo(0))
                .body("milestones[2].droppedOff", equalTo(1))
                .body("milestones[4].reached", equalTo(0))
                .body("milestones[4].conversionFromPrevious", nullValue())
                .body("milestones[4].medianTimeToReach", nullValue());

        admin().queryParam("from", "2025-07-01")
                .queryParam("to", "2025-07-02")
                .get("/v1/kpis/actions")
                .then()
                .statusCode(200)
                .body("actions.find { it.action == 'suggest_lists' }.users", equalTo(2))
                .body("actions.find { it.action == 'suggest_lists' }.treated.converted", equalTo(2))
                .body("actions.find { it.action == 'suggest_export' }.users", equalTo(2))
                .body("actions.find { it.action == 'suggest_export' }.treated.converted", equalTo(1))
                .body("actions.find { it.action == 'suggest_export' }.treated.rate", equalTo(0.5f))
                .body("actions.find { it.action == 'suggest_export' }.baseline", equalTo("none"))
                .body("actions.find { it.action == 'suggest_export' }.control", nullValue())
                .body("actions.find { it.action == 'rescue_interest' }.users", equalTo(1))
                .body("actions.find { it.action == 'rescue_interest' }.treated.converted", equalTo(0));
    }

    @Test
    void shouldCountARecentSignupAsInProgressAndSplitByTrait() {
        String run = java.util.UUID.randomUUID().toString();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String waiting = newUser("kpi-waiting");
        String searching = newUser("kpi-searching");
        for (String u : java.util.List.of(waiting, searching)) {
            writer().body("{\"userId\":\"" + u + "\",\"traits\":{\"createdAt\":\"" + now.minus(Duration.ofHours(2))
                            + "\",\"kpiRun\":\"" + run + "\"},\"timestamp\":\"" + now.minus(Duration.ofHours(2))
                            + "\"}")
                    .post("/v1/identify")
                    .then()
                    .statusCode(200);
        }
        sendTrack(searching, "search_performed", now.minus(Duration.ofHours(1)));
        String group = "breakdown.groups.find { it.value == '" + run + "' }";
        admin().queryParam("from", now.minus(Duration.ofHours(3)).toString())
                .queryParam("to", now.plusSeconds(60).toString())
                .queryParam("breakdown", "kpiRun")
                .queryParam("top", 50)
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("breakdown.trait", equalTo("kpiRun"))
                .body(group + ".cohort", equalTo(2))
                .body(group + ".milestones[0].reached", equalTo(1))
                .body(group + ".milestones[0].inProgress", equalTo(1))
                .body(group + ".milestones[0].droppedOff", equalTo(0))
                .body(group + ".milestones[0].medianTimeToReach", withinOnePercentOf("PT1H"))
                .body(group + ".milestones[1].inProgress", equalTo(2))
                .body(group + ".milestones[2].inProgress", equalTo(0))
                .body(group + ".milestones[2].notReached", equalTo(2));
        admin().queryParam("milestone", "interest")
                .queryParam("from", now.minus(Duration.ofHours(2)).toString())
                .queryParam("to", now.minus(Duration.ofHours(2)).plusMillis(1).toString())
                .get("/v1/kpis/time-to-reach")
                .then()
                .statusCode(200)
                .body("measuredFrom", equalTo("signup"))
                .body("percentiles.p50", withinOnePercentOf("PT1H"))
                .body(
                        "buckets.find { it.label == '1 to 6 hours' }.count",
                        org.hamcrest.Matchers.greaterThanOrEqualTo(1));
    }

    @Test
    void shouldGroupCohortsByMondayWeeks() {
        admin().queryParam("from", "2025-07-01")
                .queryParam("to", "2025-07-15")
                .queryParam("interval", "week")
                .get("/v1/kpis/cohorts")
                .then()
                .statusCode(200)
                .body("cohorts.size()", equalTo(3))
                .body("cohorts[0].start", equalTo("2025-07-01T00:00:00Z"))
                .body("cohorts[0].end", equalTo("2025-07-07T00:00:00Z"))
                .body("cohorts[1].start", equalTo("2025-07-07T00:00:00Z"))
                .body("cohorts[2].end", equalTo("2025-07-15T00:00:00Z"))
                .body("milestones[0]", equalTo("interest"));
    }

    @Test
    void shouldRefuseUnknownParametersMilestonesAndRanges() {
        admin().queryParam("form", "2025-07-01")
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(400)
                .body("message", org.hamcrest.Matchers.containsString("form"));
        admin().queryParam("milestone", "nope")
                .get("/v1/kpis/time-to-reach")
                .then()
                .statusCode(400)
                .body("message", org.hamcrest.Matchers.containsString("nope"));
        admin().get("/v1/kpis/time-to-reach").then().statusCode(400).body("details[0].field", equalTo("milestone"));
        admin().queryParam("interval", "year")
                .get("/v1/kpis/cohorts")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("interval"));
        admin().queryParam("from", "2020-01-01")
                .queryParam("to", "2023-01-01")
                .queryParam("interval", "day")
                .get("/v1/kpis/cohorts")
                .then()
                .statusCode(400)
                .body("message", org.hamcrest.Matchers.containsString("366"));
        admin().queryParam("top", "many")
                .queryParam("breakdown", "plan")
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("top"));
        admin().queryParam("from", "2025-07-02")
                .queryParam("to", "2025-07-02")
                .get("/v1/kpis/cohorts")
                .then()
                .statusCode(400);
    }

    @Test
    void shouldRefuseARangeThatIsNotOne() {
        admin().queryParam("from", "2025-07-02")
                .queryParam("to", "2025-07-01")
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(400);
        admin().queryParam("from", "July")
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"));
    }
}
