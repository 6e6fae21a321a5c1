package io.milepost.replay;

import static io.milepost.replay.ReplayFixture.SIGNUP;
import static io.milepost.replay.ReplayFixture.TENTH_SEARCH;
import static io.milepost.replay.ReplayFixture.casualUser;
import static io.milepost.replay.ReplayFixture.powerUser;
import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.batch;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static io.milepost.support.Api.signup;
import static io.milepost.support.Api.track;
import static io.milepost.support.Api.writer;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A replay backfills what new rules find in stored histories: milestones at their historical
 * times, stalls at their windows' close times, actions recorded but not sent unless asked; it
 * adds nothing the second time, and a user whose rules fail is counted and left as they were.
 * The job runs on the test's thread ({@link ReplayRunner#runAvailable}).
 */
@QuarkusTest
@TestProfile(ReplayRules.class)
class ReplayTest extends ReplayTestBase {

    /** Replays every user to the end on this thread; returns the finished job. */
    JsonPath replay(boolean fireActions) {
        String id = jobs.create(fireActions).id();
        runner.runAvailable();
        return admin().get("/v1/jobs/" + id)
                .then()
                .statusCode(200)
                .body("status", equalTo("succeeded"))
                .extract()
                .jsonPath();
    }

    @Test
    void shouldPreviewWhatDraftRulesWouldChangeWithoutWritingAnything() throws Exception {
        String power = newUser("power");
        String casual = newUser("casual");
        powerUser(power);
        casualUser(casual);
        sweep.sweep(Instant.now());
        long outbox = fixture.count("SELECT COUNT(*) FROM outbox");
        long milestones = fixture.count("SELECT COUNT(*) FROM milestones");
        admin().get("/v1/users/" + power).then().body("milestones.name", hasItem("first_value"));
        // the draft: ten searches make power_search; first_value now also asks for an export, which nobody did
        java.util.Map<String, String> drafts = java.util.Map.of(
                "power.drl",
                """
                package rules;
                rule "Power Search: ten searches" @milestone("power_search") @order(6) @within("2d")
                when Activity( event == "search_performed", count >= 10 ) then reach("power_search"); end
                rule "Proactive: power searcher" when Milestone( name == "power_search" ) then trigger("suggest_saved_searches"); end
                """,
                "milestones.drl",
                java.nio.file.Files.readString(ReplayRules.DIR.resolve("milestones.drl"))
                        .replace(
                                "Activity( event == \"list_created\", count >= 1 )",
                                "Activity( event == \"list_created\", count >= 1 )\n    Activity( event == \"export_completed\" )"));

        String id = admin().body(java.util.Map.of("files", drafts))
                .post("/v1/rules/impact")
                .then()
                .statusCode(202)
                .body("type", equalTo("impact"))
                .body("status", equalTo("queued"))
                .body("total", equalTo(2))
                .extract()
                .path("id");
        runner.runAvailable();

        JsonPath job = admin().get("/v1/jobs/" + id)
                .then()
                .statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("done", equalTo(2))
                .body("unit", equalTo("users"))
                .extract()
                .jsonPath();
        assertEquals(2, job.getInt("impact.users"));
        assertEquals(1, job.getInt("impact.milestones.power_search.newlyReached"));
        assertEquals(1, job.getInt("impact.milestones.power_search.wouldStall"), "the casual user, after two days");
        assertEquals(1, job.getInt("impact.actions.suggest_saved_searches.newlyFired"));
        assertEquals(1, job.getInt("impact.milestones.first_value.noLongerReached"));
        assertEquals(1, job.getInt("impact.milestones.first_value.reachedNow"));
        assertEquals(0, job.getInt("impact.milestones.interest.newlyReached"));
        assertEquals(outbox, fixture.count("SELECT COUNT(*) FROM outbox"), "nothing sent");
        assertEquals(milestones, fixture.count("SELECT COUNT(*) FROM milestones"), "nothing recorded");
        admin().get("/v1/users/" + power).then().body("milestones.name", not(hasItem("power_search")));

        // a sample looks at that many users; drafts that do not compile are refused at once
        admin().body(java.util.Map.of("files", drafts, "sample", 1))
                .post("/v1/rules/impact")
                .then()
                .statusCode(202)
                .body("total", equalTo(1));
        runner.runAvailable();
        admin().body(java.util.Map.of("files", java.util.Map.of("bad.drl", "rule \"x\" when Nope() then end")))
                .post("/v1/rules/impact")
                .then()
                .statusCode(422)
                .body("details[0].file", equalTo("bad.drl"));
        admin().body("{\"files\": {}}").post("/v1/rules/impact").then().statusCode(400);
    }

    @Test
    void shouldBuildThePropertyValuesANewRuleAsksAboutFromTheStoredEvents() throws Exception {
        String u = newUser("collab");
        Instant start = Instant.now().minus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        signup(u, start);
        comment(u, "ann", start.plus(Duration.ofMinutes(10)));
        comment(u, "bob", start.plus(Duration.ofMinutes(20)));
        java.nio.file.Path collab = ReplayRules.DIR.resolve("collab.drl");
        java.nio.file.Files.writeString(collab, """
                package rules;
                rule "Collaborating: comments from two people" @milestone("collaborating") @order(9)
                when Activity( event == "comment_added", distinct("author_id") >= 2 ) then reach("collaborating"); end
                """);
        try {
            admin().post("/v1/rules/reload").then().statusCode(200);
            // values are kept from the moment a rule asks: the comments before it do not count yet
            comment(u, "ann", start.plus(Duration.ofMinutes(30)));
            admin().get("/v1/users/" + u).then().body("milestones.name", not(hasItem("collaborating")));

            JsonPath job = replay(false);

            assertEquals(1, job.getInt("counts.milestonesAdded"));
            admin().get("/v1/users/" + u)
                    .then()
                    .body(
                            "milestones.find { it.name == 'collaborating' }.reachedAt",
                            equalTo(start.plus(Duration.ofMinutes(20)).toString()))
                    .body("activity.keySet()", contains("comment_added"))
                    .body("activity.comment_added.count", equalTo(3));
            // and live traffic goes on from the values the replay built
            String other = newUser("collab-live");
            signup(other, start);
            comment(other, "ann", start.plus(Duration.ofMinutes(10)));
            comment(other, "cem", start.plus(Duration.ofMinutes(40)));
            admin().get("/v1/users/" + other)
                    .then()
                    .body(
                            "milestones.find { it.name == 'collaborating' }.reachedAt",
                            equalTo(start.plus(Duration.ofMinutes(40)).toString()));
        } finally {
            java.nio.file.Files.deleteIfExists(collab);
        }
    }

    private static void comment(String user, String author, Instant at) {
        writer().body("{\"userId\":\"" + user + "\",\"event\":\"comment_added\",\"properties\":{\"author_id\":\""
                        + author + "\"},\"timestamp\":\"" + at + "\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);
    }

    @Test
    void shouldBackfillANewMilestoneAtItsHistoricalTimeWithoutSendingAnything() throws Exception {
        String power = newUser("power");
        String casual = newUser("casual");
        powerUser(power);
        casualUser(casual);
        sweep.sweep(Instant.now()); // the shipped windows closed long ago: the sweep is done with both users
        admin().get("/v1/users/" + power).then().body("milestones.name", not(hasItem("power_search")));
        long outbox = fixture.count("SELECT COUNT(*) FROM outbox");
        String version = ReplayRules.addPowerSearch();

        JsonPath job = replay(false);

        assertEquals(2, job.getInt("total"));
        assertEquals(2, job.getInt("done"));
        assertEquals(false, job.getBoolean("fireActions"));
        assertEquals(version, job.getString("rulesVersion"));
        assertEquals(2, job.getInt("counts.usersProcessed"));
        assertEquals(1, job.getInt("counts.milestonesAdded"));
        assertEquals(0, job.getInt("counts.actionsFired"));
        assertEquals(2, job.getInt("counts.actionsSuppressed"), "suggest_saved_searches and rescue_power_search");
        assertEquals(1, job.getInt("counts.stallsRecorded"));
        assertEquals(0, job.getInt("counts.failures"));
        assertEquals(List.of(), job.getList("errors"));

        admin().get("/v1/users/" + power)
                .then()
                .body("milestones.find { it.name == 'power_search' }.reachedAt", equalTo(TENTH_SEARCH.toString()))
                .body("milestones.find { it.name == 'power_search' }.rule", equalTo("Power Search: ten searches"))
                .body("stage", equalTo("power_search"))
                .body(
                        "actions.find { it.action == 'suggest_saved_searches' }.triggeredAt",
                        equalTo(TENTH_SEARCH.toString()))
                .body("actions.find { it.action == 'suggest_saved_searches' }.suppressed", equalTo(true))
                .body("actions.find { it.action == 'rescue_value_realization' }.suppressed", equalTo(false));
        admin().get("/v1/users/" + casual)
                .then()
                .body("milestones.name", not(hasItem("power_search")))
                .body(
                        "stalled.find { it.milestone == 'power_search' }.since",
                        equalTo(SIGNUP.plus(Duration.ofDays(2)).toString()))
                .body("actions.find { it.action == 'rescue_power_search' }.suppressed", equalTo(true));
        assertEquals(outbox, fixture.count("SELECT COUNT(*) FROM outbox"), "no outbox message: nothing is sent");
        assertEquals(
                1,
                fixture.count(
                        "SELECT COUNT(*) FROM milestones WHERE milestone = 'power_search' AND rules_version = ?",
                        version));
        admin().get("/v1/users/" + power + "/timeline")
                .then()
                .body(
                        "items.find { it.name == 'suggest_saved_searches' }.message",
                        equalTo("suppressed: recorded by a replay without fireActions, not sent"));
        admin().get("/v1/kpis/actions")
                .then()
                .body("actions.find { it.action == 'suggest_saved_searches' }.users", equalTo(0))
                .body("actions.find { it.action == 'suggest_saved_searches' }.suppressed", greaterThan(0))
                .body("actions.action", hasItem("rescue_value_realization"));

        // once per user still holds: a live event does not fire the stale action now
        sendTrack(power, "search_performed", Instant.now().minusSeconds(5));
        assertEquals(0, fixture.count("SELECT COUNT(*) FROM outbox WHERE subject = 'suggest_saved_searches'"));
        admin().get("/v1/users/" + power)
                .then()
                .body("actions.findAll { it.action == 'suggest_saved_searches' }.size()", equalTo(1));
    }

    @Test
    void shouldRecordAndSendTheActionsWhenAskedToFireThem() throws Exception {
        String power = newUser("power");
        String casual = newUser("casual");
        powerUser(power);
        casualUser(casual);
        sweep.sweep(Instant.now());
        long outbox = fixture.count("SELECT COUNT(*) FROM outbox");
        ReplayRules.addPowerSearch();

        JsonPath job = replay(true);

        assertEquals(true, job.getBoolean("fireActions"));
        assertEquals(1, job.getInt("counts.milestonesAdded"));
        assertEquals(2, job.getInt("counts.actionsFired"));
        assertEquals(0, job.getInt("counts.actionsSuppressed"));
        assertEquals(1, job.getInt("counts.stallsRecorded"));
        admin().get("/v1/users/" + power)
                .then()
                .body("actions.find { it.action == 'suggest_saved_searches' }.suppressed", equalTo(false));
        assertEquals(4, fixture.count("SELECT COUNT(*) FROM outbox") - outbox, "reached, fired, stalled, fired");
        assertEquals(
                1,
                fixture.count(
                        "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND type = 'action.triggered' "
                                + "AND subject = 'suggest_saved_searches' AND occurred_at = ?",
                        power,
                        TENTH_SEARCH.atOffset(ZoneOffset.UTC)));
        assertEquals(
                1,
                fixture.count(
                        "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND type = 'milestone.reached' "
                                + "AND subject = 'power_search'",
                        power));
        assertEquals(
                1,
                fixture.count(
                        "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND type = 'milestone.stalled' "
                                + "AND subject = 'power_search'",
                        casual));
        assertEquals(
                1,
                fixture.count(
                        "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND type = 'action.triggered' "
                                + "AND subject = 'rescue_power_search'",
                        casual));
        admin().get("/v1/kpis/actions").then().body("actions.action", hasItem("suggest_saved_searches"));
    }

    @Test
    void shouldAddNothingTheSecondTime() throws Exception {
        for (int i = 0; i < 3; i++) {
            powerUser(newUser("power"));
            casualUser(newUser("casual"));
        }
        sweep.sweep(Instant.now());
        ReplayRules.addPowerSearch();
        JsonPath first = replay(true);
        assertEquals(3, first.getInt("counts.milestonesAdded"));
        assertEquals(3, first.getInt("counts.stallsRecorded"));
        List<Long> before = fixture.recordCounts();

        JsonPath second = replay(true);

        assertEquals(6, second.getInt("counts.usersProcessed"));
        assertEquals(0, second.getInt("counts.milestonesAdded"));
        assertEquals(0, second.getInt("counts.actionsFired"));
        assertEquals(0, second.getInt("counts.actionsSuppressed"));
        assertEquals(0, second.getInt("counts.stallsRecorded"));
        assertEquals(before, fixture.recordCounts(), "milestones, stalls, actions, outbox");
    }

    @Test
    void shouldKeepAMilestoneOnRecordWithItsOwnTime() throws Exception {
        // Reached live under the current rules by a late event: dated at the user's latest track
        // (+2h). Replayed in event-time order it would be dated at that search's own time (+1h30m).
        ReplayRules.addPowerSearch();
        String u = newUser("late");
        signup(u, SIGNUP);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            items.add(track(
                    u,
                    "search_performed",
                    SIGNUP.plus(Duration.ofHours(1)).plusSeconds(i * 60L).toString()));
        }
        items.add(track(u, "list_created", SIGNUP.plus(Duration.ofHours(2)).toString()));
        writer().body(batch(items.toArray(String[]::new)))
                .post("/v1/batch")
                .then()
                .statusCode(200);
        sendTrack(u, "search_performed", SIGNUP.plus(Duration.ofMinutes(90)));
        String reachedLive = SIGNUP.plus(Duration.ofHours(2)).toString();
        admin().get("/v1/users/" + u)
                .then()
                .body("milestones.find { it.name == 'power_search' }.reachedAt", equalTo(reachedLive));
        List<Long> before = fixture.recordCounts();

        JsonPath job = replay(false);

        assertEquals(0, job.getInt("counts.milestonesAdded"));
        assertEquals(before, fixture.recordCounts());
        admin().get("/v1/users/" + u)
                .then()
                .body("milestones.find { it.name == 'power_search' }.reachedAt", equalTo(reachedLive));
    }

    @Test
    void shouldCountAUserWhoseRulesFailAndGoOnWithTheOthers() throws Exception {
        String poisoned = newUser("poisoned");
        powerUser(poisoned);
        sendTrack(poisoned, "poison", SIGNUP.plus(Duration.ofHours(3)));
        String healthy = newUser("healthy");
        powerUser(healthy);
        sweep.sweep(Instant.now());
        List<String> stalledBefore =
                admin().get("/v1/users/" + poisoned).then().extract().path("stalled.milestone");
        ReplayRules.addPowerSearch();

        JsonPath job = replay(false);

        assertEquals(2, job.getInt("counts.usersProcessed"));
        assertEquals(1, job.getInt("counts.failures"));
        assertEquals(1, job.getInt("counts.milestonesAdded"));
        assertEquals(poisoned, job.getString("errors[0].userId"));
        assertEquals(true, job.getString("errors[0].message").contains("Crashes on a poisoned event"));
        assertEquals(true, job.getString("errors[0].message").contains("boom"));
        admin().get("/v1/users/" + healthy).then().body("milestones.name", hasItem("power_search"));
        admin().get("/v1/users/" + poisoned)
                .then()
                .body("milestones.name", not(hasItem("power_search")))
                .body("stalled.milestone", equalTo(stalledBefore))
                .body("actions.action", not(hasItem("suggest_saved_searches")));
    }

    @Test
    void shouldCountAUserWhoseRuleOverflowsTheStackAsAFailure() throws Exception {
        String deep = newUser("deep");
        powerUser(deep);
        sendTrack(deep, "deep", SIGNUP.plus(Duration.ofHours(3)));
        String healthy = newUser("healthy");
        powerUser(healthy);
        ReplayRules.addPowerSearch();

        JsonPath job = replay(false);

        assertEquals(2, job.getInt("counts.usersProcessed"));
        assertEquals(1, job.getInt("counts.failures"));
        assertEquals(deep, job.getString("errors[0].userId"));
        assertEquals(true, job.getString("errors[0].message").contains("rule \"Recurses on a deep event\""));
        assertEquals(true, job.getString("errors[0].message").contains("StackOverflowError"));
        admin().get("/v1/users/" + healthy).then().body("milestones.name", hasItem("power_search"));
        admin().get("/v1/users/" + deep)
                .then()
                .body("milestones.name", not(hasItem("power_search")))
                .body("activity.deep.count", equalTo(1));
    }

    @Test
    void shouldLeaveAUserTheSweepIsDueToVisitToTheSweep() throws Exception {
        // the shipped windows closed long ago and no sweep ran: the user is due, and the sweep records
        // their stalls live, the new window's included, as it would have without the replay
        String u = newUser("due");
        casualUser(u);
        ReplayRules.addPowerSearch();

        JsonPath job = replay(false);

        assertEquals(0, job.getInt("counts.stallsRecorded"));
        admin().get("/v1/users/" + u)
                .then()
                .body("stalled.size()", equalTo(0))
                .body("nextCheckAt", equalTo(SIGNUP.plus(Duration.ofDays(7)).toString()));
        sweep.sweep(Instant.now());
        admin().get("/v1/users/" + u)
                .then()
                .body("stalled.milestone", contains("power_search", "first_value"))
                .body("actions.find { it.action == 'rescue_power_search' }.suppressed", equalTo(false));
    }
}
