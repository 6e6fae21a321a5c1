package io.milepost.kpi;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static io.milepost.support.Api.signup;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The KPI figures kept per signup day: every change to what they count marks its day, the fold
 * recounts marked days, and {@code POST /v1/kpis/rebuild} recounts every day from the records as a
 * job (after the records changed behind the service's back, as a restore or migration would).
 */
@QuarkusTest
class KpiRecountTest {
    @Inject
    KpiRecounts recounts;

    @Inject
    AgroalDataSource db;

    /** A day of its own in the past (2019 to 2024), so that other tests' users are not in it. */
    static Instant freshDay() {
        return Instant.parse("2019-01-07T00:00:00Z")
                .plus(Duration.ofDays(ThreadLocalRandom.current().nextInt(2000)));
    }

    @Test
    void shouldMarkTheSignupDayOfEveryChangeAndRecountItInTheFold() throws Exception {
        Instant day = freshDay();
        long d = KpiDays.day(day);
        String u = newUser("recount");
        signup(u, day.plus(Duration.ofHours(1)));
        assertTrue(marks(d) > 0, "a new user marks their signup day");
        recounts.fold(Instant.now());
        assertEquals(0, marks(d), "the fold recounted the day");
        assertEquals(1, kept(d, ""), "the day's users are kept");

        signup(u, day.plus(Duration.ofHours(1)));
        assertEquals(0, marks(d), "an identify that changes nothing marks nothing");

        sendTrack(u, "search_performed", day.plus(Duration.ofHours(2)));
        assertTrue(marks(d) > 0, "a milestone marks the day");
        // marked and not yet recounted: the answer counts the day from the records
        admin().queryParam("from", day.toString())
                .queryParam("to", day.plus(Duration.ofDays(1)).toString())
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(1))
                .body("milestones[0].milestone", equalTo("interest"))
                .body("milestones[0].reached", equalTo(1));
        recounts.fold(Instant.now());
        assertEquals(1, kept(d, "interest"), "the milestone is kept");
        admin().queryParam("from", day.toString())
                .queryParam("to", day.plus(Duration.ofDays(1)).toString())
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(1))
                .body("milestones[0].reached", equalTo(1))
                .body("milestones[0].reachedWithinWindow", equalTo(1));

        // a signup that moves marks the day it leaves and the one it joins
        Instant next = day.plus(Duration.ofDays(1));
        signup(u, next.plus(Duration.ofHours(3)));
        assertTrue(marks(d) > 0 && marks(d + 1) > 0, "both days are marked");
        recounts.fold(Instant.now());
        assertEquals(0, kept(d, ""), "the day it left has no users");
        assertEquals(1, kept(d + 1, ""), "the day it joined has one");

        admin().delete("/v1/users/" + u).then().statusCode(204);
        assertTrue(marks(d + 1) > 0, "an erasure marks the day");
        recounts.fold(Instant.now());
        assertEquals(0, kept(d + 1, ""));
        admin().queryParam("from", day.toString())
                .queryParam("to", day.plus(Duration.ofDays(2)).toString())
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(0))
                .body("milestones[0].reached", equalTo(0))
                .body("milestones[0].medianTimeToReach", nullValue());
    }

    @Test
    void shouldRebuildEveryDayFromTheRecordsAsAJob() throws Exception {
        Instant day = freshDay();
        String a = newUser("rebuild-a");
        String b = newUser("rebuild-b");
        signup(a, day.plus(Duration.ofHours(1)));
        signup(b, day.plus(Duration.ofHours(2)));
        sendTrack(a, "search_performed", day.plus(Duration.ofHours(3)));
        sendTrack(b, "search_performed", day.plus(Duration.ofHours(5)));
        while (recounts.fold(Instant.now()) > 0) {
            // every marked day, other tests' too
        }
        String from = day.toString();
        String to = day.plus(Duration.ofDays(1)).toString();
        admin().queryParam("from", from)
                .queryParam("to", to)
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("milestones[0].reached", equalTo(2));

        // a record removed behind the service's back (a restore, a migration): no mark, so the kept figure stays
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM milestones WHERE user_id = ?")) {
            ps.setString(1, a);
            assertEquals(1, ps.executeUpdate());
        }
        admin().queryParam("from", from)
                .queryParam("to", to)
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("milestones[0].reached", equalTo(2));

        var queued = admin().post("/v1/kpis/rebuild")
                .then()
                .statusCode(202)
                .body("type", equalTo("kpi_rebuild"))
                .body("status", equalTo("queued"))
                .body("unit", equalTo("days"))
                .body("counts", nullValue())
                .extract();
        String job = queued.path("id");
        assertTrue(queued.header("Location").endsWith("/v1/jobs/" + job), queued.header("Location"));
        admin().post("/v1/kpis/rebuild")
                .then()
                .statusCode(409)
                .body("error", equalTo("rebuild_running"))
                .body("details[0].jobId", equalTo(job));
        admin().queryParam("force", "yes")
                .post("/v1/kpis/rebuild")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"));
        recounts.rebuild(Instant.now());
        long total = ((Number) admin().get("/v1/jobs/" + job)
                        .then()
                        .statusCode(200)
                        .body("status", equalTo("succeeded"))
                        .extract()
                        .path("total"))
                .longValue();
        admin().get("/v1/jobs/" + job).then().body("done", equalTo((int) total)).body("finishedAt", notNullValue());
        admin().queryParam("from", from)
                .queryParam("to", to)
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(2))
                .body("milestones[0].reached", equalTo(1));
        // a second rebuild may start once the first has ended
        String second = admin().post("/v1/kpis/rebuild")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        recounts.rebuild(Instant.now());
        admin().get("/v1/jobs/" + second).then().body("status", equalTo("succeeded"));
    }

    @Test
    void shouldReadAPartialEdgeDayFromItsKeptFiguresOnlyWhenAllItsSignupsAreInRange() throws Exception {
        Instant day = freshDay();
        String a = newUser("edge-a");
        String b = newUser("edge-b");
        signup(a, day.plus(Duration.ofHours(1)));
        signup(b, day.plus(Duration.ofHours(10)));
        sendTrack(a, "search_performed", day.plus(Duration.ofHours(3)));
        sendTrack(b, "search_performed", day.plus(Duration.ofHours(11)));
        while (recounts.fold(Instant.now()) > 0) {
            // every marked day, other tests' too
        }
        // a record removed behind the service's back: the kept figures (2 reached) and the records (1) differ
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM milestones WHERE user_id = ?")) {
            ps.setString(1, a);
            assertEquals(1, ps.executeUpdate());
        }
        // nobody signed up that day before 00:30 or after 23:00: the range holds the day's users, read as kept
        admin().queryParam("from", day.plus(Duration.ofMinutes(30)).toString())
                .queryParam("to", day.plus(Duration.ofHours(23)).toString())
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(2))
                .body("milestones[0].reached", equalTo(2));
        // a signed up before 02:00, b after 05:00: the part in range is counted from the records
        admin().queryParam("from", day.plus(Duration.ofHours(2)).toString())
                .queryParam("to", day.plus(Duration.ofDays(1)).toString())
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(1))
                .body("milestones[0].reached", equalTo(1));
        admin().queryParam("from", day.toString())
                .queryParam("to", day.plus(Duration.ofHours(5)).toString())
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(1))
                .body("milestones[0].reached", equalTo(0));
    }

    @Test
    void shouldAnswerWithTheFiguresOfADaysLatestRecount() throws Exception {
        Instant day = freshDay();
        String from = day.toString();
        String to = day.plus(Duration.ofDays(1)).toString();
        String a = newUser("latest-a");
        signup(a, day.plus(Duration.ofHours(1)));
        sendTrack(a, "search_performed", day.plus(Duration.ofHours(2)));
        while (recounts.fold(Instant.now()) > 0) {
            // every marked day, other tests' too
        }
        // read twice: the second answer reads the day's rows held in memory
        for (int i = 0; i < 2; i++) {
            admin().queryParam("from", from)
                    .queryParam("to", to)
                    .get("/v1/kpis/funnel")
                    .then()
                    .statusCode(200)
                    .body("cohort", equalTo(1))
                    .body("milestones[0].reached", equalTo(1));
        }
        String b = newUser("latest-b");
        signup(b, day.plus(Duration.ofHours(4)));
        sendTrack(b, "search_performed", day.plus(Duration.ofHours(5)));
        recounts.fold(Instant.now());
        assertEquals(0, marks(KpiDays.day(day)), "recounted");
        admin().queryParam("from", from)
                .queryParam("to", to)
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(2))
                .body("milestones[0].reached", equalTo(2));
        admin().queryParam("from", from)
                .queryParam("to", to)
                .queryParam("breakdown", "plan")
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(2))
                .body("milestones[0].reached", equalTo(2));
    }

    private long marks(long day) throws Exception {
        return count("SELECT COUNT(*) FROM kpi_dirty_days WHERE signup_day = ?", day, null);
    }

    /** The users (milestone "") or the reaches of a milestone kept for a day, under any catalog. */
    private long kept(long day, String milestone) throws Exception {
        return count(
                "SELECT COALESCE(SUM(" + (milestone.isEmpty() ? "users" : "reached") + "), 0) FROM kpi_days "
                        + "WHERE signup_day = ? AND trait = '' AND milestone = ?",
                day,
                milestone);
    }

    private long count(String sql, long day, String milestone) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, day);
            if (milestone != null) {
                ps.setString(2, milestone);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
