package io.milepost.replay;

import static io.milepost.replay.ReplayFixture.powerUser;
import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.sendTrack;
import static io.milepost.support.Api.writer;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.support.LockWaits;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The replay job as a job: claimed with a lease, resumed from its cursor after its instance died,
 * never run by two instances at once, one at a time, and its API (keys, 404, 409, polling).
 */
@QuarkusTest
@TestProfile(ReplayRules.class)
class ReplayJobTest extends ReplayTestBase {

    /** n power users whose ids sort in creation order under any collation; new rules to replay them under. */
    List<String> powerUsers(int n) throws Exception {
        String prefix = "job-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        List<String> users = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            users.add(prefix + i);
            powerUser(prefix + i);
        }
        sweep.sweep(Instant.now());
        ReplayRules.addPowerSearch();
        return users;
    }

    boolean hasPowerSearch(String u) throws Exception {
        return fixture.count("SELECT COUNT(*) FROM milestones WHERE user_id = ? AND milestone = 'power_search'", u)
                == 1;
    }

    /** Makes the job look like one whose instance died after {@code done} users (the last of them {@code cursor}). */
    void interrupted(String jobId, String cursor, int done, Instant leaseUntil) throws Exception {
        fixture.update(
                "UPDATE jobs SET status = 'running', owner = 'crashed-instance', lease_until = ?, last_user_id = ?, "
                        + "done_users = ?, started_at = ? WHERE id = ?",
                leaseUntil.atOffset(ZoneOffset.UTC),
                cursor,
                done,
                OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5),
                jobId);
    }

    @Test
    void shouldResumeAnInterruptedJobFromItsCursorWithoutRedoingItsUsers() throws Exception {
        List<String> users = powerUsers(6);
        String id = jobs.create(false).id();
        interrupted(id, users.get(2), 3, Instant.now().minusSeconds(1));

        assertEquals(1, runner.runAvailable());

        admin().get("/v1/jobs/" + id)
                .then()
                .statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("done", equalTo(6))
                .body("counts.milestonesAdded", equalTo(3))
                .body("finishedAt", notNullValue());
        for (int i = 0; i < 6; i++) {
            assertEquals(i > 2, hasPowerSearch(users.get(i)), "user " + i + " replayed");
        }
    }

    @Test
    void shouldNotTakeAJobWhoseInstanceStillHoldsItsLease() throws Exception {
        List<String> users = powerUsers(2);
        String id = jobs.create(false).id();
        interrupted(id, null, 0, Instant.now().plus(Duration.ofMinutes(10)));

        assertEquals(0, runner.runAvailable());
        admin().get("/v1/jobs/" + id).then().body("status", equalTo("running")).body("done", equalTo(0));
        assertEquals(false, hasPowerSearch(users.get(0)));

        interrupted(id, null, 0, Instant.now().minusSeconds(1)); // the instance died: its lease runs out
        assertEquals(1, runner.runAvailable());
        admin().get("/v1/jobs/" + id)
                .then()
                .body("status", equalTo("succeeded"))
                .body("done", equalTo(2));
    }

    @Test
    void shouldLetOnlyTheOwnerRunABatchAndMoveTheCursorWithIt() throws Exception {
        List<String> users = powerUsers(3);
        String id = jobs.create(false).id();
        assertEquals(id, runner.claim("instance-a").orElseThrow());
        assertTrue(runner.claim("instance-b").isEmpty(), "a held job is not claimed twice");

        assertEquals(
                ReplayRunner.Step.LOST,
                QuarkusTransaction.requiringNew().call(() -> runner.batch(id, "instance-b", 2)));
        assertEquals(false, hasPowerSearch(users.get(0)));
        assertEquals(
                ReplayRunner.Step.CONTINUE,
                QuarkusTransaction.requiringNew().call(() -> runner.batch(id, "instance-a", 2)));
        admin().get("/v1/jobs/" + id).then().body("done", equalTo(2)).body("status", equalTo("running"));
        assertEquals(
                List.of(true, true, false),
                List.of(hasPowerSearch(users.get(0)), hasPowerSearch(users.get(1)), hasPowerSearch(users.get(2))));
        assertEquals(
                ReplayRunner.Step.CONTINUE,
                QuarkusTransaction.requiringNew().call(() -> runner.batch(id, "instance-a", 2)));
        assertEquals(
                ReplayRunner.Step.ENDED,
                QuarkusTransaction.requiringNew().call(() -> runner.batch(id, "instance-a", 2)));
        admin().get("/v1/jobs/" + id)
                .then()
                .body("status", equalTo("succeeded"))
                .body("done", equalTo(3))
                .body("counts.milestonesAdded", equalTo(3));
    }

    @Test
    void shouldMakeLiveTrafficForAUserWaitForTheBatchThatReplaysThem() throws Exception {
        String u = powerUsers(1).get(0);
        String id = jobs.create(false).id();
        runner.claim("instance-a");
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<?> live = QuarkusTransaction.requiringNew().call(() -> {
                assertEquals(ReplayRunner.Step.CONTINUE, runner.batch(id, "instance-a", 2));
                Future<?> track = client.submit(
                        () -> sendTrack(u, "search_performed", Instant.now().minusSeconds(5)));
                LockWaits.untilASessionWaits(db, Duration.ofSeconds(10));
                assertFalse(track.isDone(), "the live request waits for the user's row");
                return track;
            });
            live.get(30, TimeUnit.SECONDS);
        } finally {
            client.shutdownNow();
        }
        // the live evaluation came after the replay's commit and saw its records: nothing twice
        assertEquals(
                1,
                fixture.count("SELECT COUNT(*) FROM milestones WHERE user_id = ? AND milestone = 'power_search'", u));
        assertEquals(
                1,
                fixture.count(
                        "SELECT COUNT(*) FROM actions WHERE user_id = ? AND action = 'suggest_saved_searches' "
                                + "AND suppressed = TRUE",
                        u));
        assertEquals(
                12,
                fixture.count("SELECT COUNT(*) FROM events WHERE user_id = ? AND type = 'track'", u),
                "the live event is stored");
        fixture.update(
                "UPDATE jobs SET lease_until = ? WHERE id = ?",
                OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1),
                id);
        runner.runAvailable();
    }

    @Test
    void shouldRefuseASecondReplayWhileOneIsQueuedOrRunning() throws Exception {
        powerUsers(1);
        String id = jobs.create(false).id();

        admin().body("{}")
                .post("/v1/replay")
                .then()
                .statusCode(409)
                .body("error", equalTo("replay_running"))
                .body("message", containsString(id))
                .body("details[0].jobId", equalTo(id));
        runner.claim("instance-a");
        admin().body("{\"fireActions\": true}")
                .post("/v1/replay")
                .then()
                .statusCode(409)
                .body("details[0].jobId", equalTo(id));

        fixture.update(
                "UPDATE jobs SET lease_until = ? WHERE id = ?",
                OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1),
                id);
        runner.runAvailable();
        admin().get("/v1/jobs").then().statusCode(200).body("id", hasItem(id)).body("[0].status", equalTo("succeeded"));
    }

    @Test
    void shouldRunAReplayInTheBackgroundAndShowItsProgress() throws Exception {
        powerUsers(5);

        var response = admin().body("{}")
                .post("/v1/replay")
                .then()
                .statusCode(202)
                .body("status", equalTo("queued"))
                .extract()
                .response();
        JsonPath queued = response.jsonPath();
        String id = queued.getString("id");
        assertTrue(response.header("Location").endsWith("/v1/jobs/" + id), response.header("Location"));
        assertEquals("replay", queued.getString("type"));
        assertEquals(5, queued.getInt("total"));

        JsonPath job = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            job = admin().get("/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
            if (List.of("succeeded", "failed").contains(job.getString("status"))) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("succeeded", job.getString("status"), () -> "not finished within 60 s");
        assertEquals(5, job.getInt("done"));
        assertEquals(5, job.getInt("counts.milestonesAdded"));
        assertEquals(5, job.getInt("counts.actionsSuppressed"));
        assertTrue(job.getDouble("usersPerSecond") > 0);
        assertTrue(!Instant.parse(job.getString("finishedAt")).isBefore(Instant.parse(job.getString("startedAt"))));
    }

    @Test
    void shouldAskForTheAdminKeyAndAnswerErrorsInTheApiShape() {
        given().contentType("application/json")
                .body("{}")
                .post("/v1/replay")
                .then()
                .statusCode(401)
                .body("error", equalTo("unauthorized"));
        writer().body("{}").post("/v1/replay").then().statusCode(403).body("error", equalTo("forbidden"));
        given().header("Authorization", "Bearer not-a-key")
                .get("/v1/jobs")
                .then()
                .statusCode(401);
        writer().get("/v1/jobs/anything").then().statusCode(403);
        admin().get("/v1/jobs/no-such-job").then().statusCode(404).body("error", equalTo("not_found"));
        admin().queryParam("limit", "many").get("/v1/jobs").then().statusCode(400);
        admin().body("{\"fireActions\": \"maybe\"}")
                .post("/v1/replay")
                .then()
                .statusCode(400)
                .body("error", not(equalTo("internal_error")));
        admin().get("/v1/jobs").then().statusCode(200).body("size()", equalTo(0));
    }
}
