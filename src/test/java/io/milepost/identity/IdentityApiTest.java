package io.milepost.identity;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Anonymous visitors who become users: their history is the user's, whatever order the calls come in. */
@QuarkusTest
class IdentityApiTest {
    /** A recent time (actions dated further back would not be current), whole seconds. */
    private static Instant recent(Duration ago) {
        return Instant.now().minus(ago).truncatedTo(ChronoUnit.SECONDS);
    }

    static void anonymousTrack(String anonymousId, String event, Instant at) {
        writer().body("{\"anonymousId\":\"" + anonymousId + "\",\"event\":\"" + event + "\",\"timestamp\":\"" + at
                        + "\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);
    }

    static void track(String userId, String event, Instant at) {
        writer().body("{\"userId\":\"" + userId + "\",\"event\":\"" + event + "\",\"timestamp\":\"" + at + "\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);
    }

    static void identify(String anonymousId, String userId, Instant at) {
        writer().body("{\"anonymousId\":\"" + anonymousId + "\",\"userId\":\"" + userId
                        + "\",\"traits\":{\"plan\":\"free\"}," + "\"timestamp\":\"" + at + "\"}")
                .post("/v1/identify")
                .then()
                .statusCode(200);
    }

    static JsonPath user(String id) {
        return admin().get("/v1/users/" + id).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void shouldCountAVisitorsSearchesForTheUserTheySignUpAs() {
        String anon = newUser("anon");
        String nina = newUser("nina");
        Instant t = recent(Duration.ofHours(2));
        for (int i = 0; i < 3; i++) {
            anonymousTrack(anon, "search_performed", t.plusSeconds(i));
        }
        assertEquals(List.of("suggest_lists"), user(anon).getList("actions.action"));
        assertEquals(false, user(anon).getBoolean("identified"));

        identify(anon, nina, t.plusSeconds(60));
        track(nina, "search_performed", t.plusSeconds(120));
        track(nina, "search_performed", t.plusSeconds(121));
        track(nina, "list_created", t.plusSeconds(180));

        JsonPath u = user(nina);
        assertEquals(nina, u.getString("userId"));
        assertEquals(true, u.getBoolean("identified"));
        assertEquals(5, u.getInt("activity.search_performed.count"));
        assertEquals(List.of("interest", "first_value"), u.getList("milestones.name"));
        assertEquals(t.toString(), u.getString("milestones[0].reachedAt"), "interest keeps the visitor's first search");
        assertEquals(t.plusSeconds(180).toString(), u.getString("milestones[1].reachedAt"));
        assertEquals(List.of("suggest_lists", "suggest_export"), u.getList("actions.action"), "each action once");
        assertEquals(t.toString(), u.getString("signedUpAt"), "signed up with the first event, the visitor's");
        assertEquals(List.of(anon), u.getList("mergedIds"));
        assertEquals("free", u.getString("traits.plan"));

        // the visitor's id stands for nina now: reading it shows her, and its later calls are hers
        assertEquals(nina, user(anon).getString("userId"));
        anonymousTrack(anon, "export_completed", t.plusSeconds(240));
        u = user(nina);
        assertEquals(List.of("interest", "first_value", "value_realization"), u.getList("milestones.name"));
        List<String> types = admin().get("/v1/users/" + anon + "/timeline")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.name");
        assertTrue(types.contains("export_completed") && types.contains("list_created"), types.toString());
    }

    @Test
    void shouldSendLaterAnonymousCallsToTheUserWhenTheIdentifyComesFirst() {
        String anon = newUser("anon-first");
        String u = newUser("identified-first");
        Instant t = recent(Duration.ofMinutes(30));
        identify(anon, u, t);
        anonymousTrack(anon, "search_performed", t.plusSeconds(10));
        assertEquals(1, user(u).getInt("activity.search_performed.count"));
        assertEquals(u, user(anon).getString("userId"));
        assertEquals(List.of("interest"), user(u).getList("milestones.name"));
    }

    @Test
    void shouldMergeThePreviousIdOfAnAlias() {
        String anon = newUser("alias-anon");
        String u = newUser("alias-user");
        Instant t = recent(Duration.ofMinutes(30));
        anonymousTrack(anon, "search_performed", t);
        String alias =
                "{\"previousId\":\"" + anon + "\",\"userId\":\"" + u + "\",\"timestamp\":\"" + t.plusSeconds(5) + "\"}";
        writer().body(alias).post("/v1/alias").then().statusCode(200).body("accepted", equalTo(1));
        JsonPath merged = user(u);
        assertEquals(1, merged.getInt("activity.search_performed.count"));
        assertEquals(List.of("interest"), merged.getList("milestones.name"));
        assertEquals(List.of(anon), merged.getList("mergedIds"));
        // the same alias again (a new messageId) changes nothing
        writer().body(alias).post("/v1/alias").then().statusCode(200);
        assertEquals(1, user(u).getInt("activity.search_performed.count"));
        assertEquals(List.of(anon), user(u).getList("mergedIds"));
        // in a batch, with the visitor's events before and after it
        String anon2 = newUser("alias-anon2");
        String u2 = newUser("alias-user2");
        writer().body("{\"batch\":["
                        + "{\"type\":\"track\",\"anonymousId\":\"" + anon2
                        + "\",\"event\":\"search_performed\",\"timestamp\":\"" + t + "\"},"
                        + "{\"type\":\"alias\",\"previousId\":\"" + anon2 + "\",\"userId\":\"" + u2
                        + "\",\"timestamp\":\"" + t.plusSeconds(1) + "\"},"
                        + "{\"type\":\"track\",\"anonymousId\":\"" + anon2
                        + "\",\"event\":\"search_performed\",\"timestamp\":\"" + t.plusSeconds(2) + "\"}"
                        + "]}")
                .post("/v1/batch")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(3));
        assertEquals(2, user(u2).getInt("activity.search_performed.count"));
        assertEquals(u2, user(anon2).getString("userId"));
    }

    @Test
    void shouldReachAMilestoneThatNeedsBothHistoriesAtTheTimeOfTheEventThatCompletedIt() {
        String u = newUser("two-devices");
        String anon = newUser("two-devices-anon");
        Instant t = recent(Duration.ofHours(3));
        track(u, "search_performed", t);
        track(u, "search_performed", t.plusSeconds(1));
        track(u, "list_created", t.plusSeconds(2));
        for (int i = 0; i < 3; i++) {
            anonymousTrack(anon, "search_performed", t.plusSeconds(600 + i));
        }
        assertEquals(List.of("interest"), user(u).getList("milestones.name"));
        identify(anon, u, t.plusSeconds(3600));
        JsonPath merged = user(u);
        assertEquals(List.of("interest", "first_value"), merged.getList("milestones.name"));
        assertEquals(t.toString(), merged.getString("milestones[0].reachedAt"));
        assertEquals(
                t.plusSeconds(602).toString(),
                merged.getString("milestones[1].reachedAt"),
                "the fifth search, the visitor's third, completed first value");
        assertEquals(5, merged.getInt("activity.search_performed.count"));
        assertEquals(
                1,
                merged.getList("actions.findAll { it.action == 'suggest_export' }")
                        .size());
    }

    @Test
    void shouldNeverMergeAnIdentifiedUserThroughIngestion() {
        String a = newUser("identified-a");
        String b = newUser("identified-b");
        Instant t = recent(Duration.ofMinutes(10));
        track(a, "search_performed", t);
        double refusedBefore = metric("milepost_identity_refused_total\\{reason=\"identified\"");
        // someone with a (public) write key claims that a is b's anonymous id
        identify(a, b, t.plusSeconds(1));
        assertEquals(a, user(a).getString("userId"));
        assertEquals(1, user(a).getInt("activity.search_performed.count"));
        assertEquals(0, user(b).getList("mergedIds").size());
        assertEquals(refusedBefore + 1, metric("milepost_identity_refused_total\\{reason=\"identified\""));
    }

    @Test
    void shouldNotMergeAVisitorAgainIntoASecondUser() {
        String anon = newUser("shared-device");
        String first = newUser("first-owner");
        String second = newUser("second-owner");
        Instant t = recent(Duration.ofMinutes(10));
        anonymousTrack(anon, "search_performed", t);
        identify(anon, first, t.plusSeconds(1));
        double before = metric("milepost_identity_refused_total\\{reason=\"merged_elsewhere\"");
        writer().body("{\"anonymousId\":\"" + anon + "\",\"userId\":\"" + second + "\",\"event\":\"list_created\","
                        + "\"timestamp\":\"" + t.plusSeconds(2) + "\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);
        assertEquals(first, user(anon).getString("userId"));
        assertEquals(1, user(first).getInt("activity.search_performed.count"));
        assertEquals(1, user(second).getInt("activity.list_created.count"), "the call is the second user's");
        assertEquals(0, user(second).getList("mergedIds").size());
        assertEquals(before + 1, metric("milepost_identity_refused_total\\{reason=\"merged_elsewhere\""));
    }

    @Test
    void shouldMergeOnceWhileBothIdsReceiveEventsAtTheSameTime() throws Exception {
        String anon = newUser("race-anon");
        String u = newUser("race-user");
        Instant t = recent(Duration.ofMinutes(20));
        int threads = 6;
        int requests = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int th = 0; th < threads; th++) {
            int thread = th;
            done.add(pool.submit(() -> {
                for (int r = 0; r < requests; r++) {
                    Instant at = t.plusSeconds(thread * 100L + r);
                    if (thread == 0 && r == requests / 2) {
                        identify(anon, u, at);
                    } else if (thread % 2 == 0) {
                        anonymousTrack(anon, "search_performed", at);
                    } else {
                        track(u, "search_performed", at);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(3, TimeUnit.MINUTES);
        }
        pool.shutdown();
        JsonPath merged = user(u);
        assertEquals(threads * requests - 1, merged.getInt("activity.search_performed.count"), "no search lost");
        assertEquals(u, user(anon).getString("userId"));
        assertEquals(List.of("interest"), merged.getList("milestones.name"));
        assertEquals(
                1,
                merged.getList("actions.findAll { it.action == 'suggest_lists' }")
                        .size());
        int timelineSearches = admin().queryParam("limit", 1000)
                .get("/v1/users/" + u + "/timeline")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.findAll { it.name == 'search_performed' }")
                .size();
        assertEquals(threads * requests - 1, timelineSearches, "every event is the user's");
    }

    @Test
    void shouldMergeTwoIdentifiedUsersOnlyWithTheAdminKey() {
        String a = newUser("admin-merge-a");
        String b = newUser("admin-merge-b");
        Instant t = recent(Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            track(a, "search_performed", t.plusSeconds(i));
        }
        track(b, "search_performed", t.plusSeconds(10));
        track(b, "search_performed", t.plusSeconds(11));
        track(b, "list_created", t.plusSeconds(12));
        String body = "{\"from\":\"" + b + "\"}";
        writer().body(body)
                .post("/v1/users/" + a + "/merge")
                .then()
                .statusCode(403)
                .body("error", equalTo("forbidden"));
        admin().body(body)
                .post("/v1/users/" + a + "/merge")
                .then()
                .statusCode(200)
                .body("userId", equalTo(a))
                .body("activity.search_performed.count", equalTo(5))
                .body("milestones.name", contains("interest", "first_value"))
                .body("milestones[1].reachedAt", equalTo(t.plusSeconds(12).toString()))
                .body("mergedIds", contains(b));
        // again: nothing changes
        admin().body(body)
                .post("/v1/users/" + a + "/merge")
                .then()
                .statusCode(200)
                .body("activity.search_performed.count", equalTo(5));
        assertEquals(a, user(b).getString("userId"));
        admin().body("{\"from\":\"" + newUser("nobody") + "\"}")
                .post("/v1/users/" + a + "/merge")
                .then()
                .statusCode(404)
                .body("error", equalTo("not_found"));
        admin().body("{\"from\":\"" + b + "\"}")
                .post("/v1/users/" + newUser("nobody") + "/merge")
                .then()
                .statusCode(404);
        admin().body("{}")
                .post("/v1/users/" + a + "/merge")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("from"));
    }

    @Test
    void shouldEraseBothHistoriesOfAMergedUser() {
        String anon = newUser("erase-anon");
        String u = newUser("erase-user");
        Instant t = recent(Duration.ofMinutes(30));
        anonymousTrack(anon, "search_performed", t);
        identify(anon, u, t.plusSeconds(1));
        track(u, "list_created", t.plusSeconds(2));
        admin().delete("/v1/users/" + u).then().statusCode(204);
        admin().get("/v1/users/" + u).then().statusCode(404);
        admin().get("/v1/users/" + anon).then().statusCode(404);
        admin().get("/v1/users/" + anon + "/timeline").then().statusCode(404);
        // the visitor's id is free again: a new call under it starts a new anonymous user with nothing of before
        anonymousTrack(anon, "list_created", t.plusSeconds(3));
        JsonPath fresh = user(anon);
        assertEquals(anon, fresh.getString("userId"));
        assertEquals(1, fresh.getMap("activity").size());
    }

    @Test
    void shouldCountAMergedUserOnceInTheSignupCohort() {
        Instant day = Instant.parse("2024-04-10T00:00:00Z");
        String anon = newUser("cohort-anon");
        String u = newUser("cohort-user");
        anonymousTrack(anon, "search_performed", day.plus(Duration.ofHours(8)));
        writer().body("{\"userId\":\"" + u + "\",\"traits\":{\"createdAt\":\"" + day.plus(Duration.ofHours(9))
                        + "\"},\"timestamp\":\"" + day.plus(Duration.ofHours(9)) + "\"}")
                .post("/v1/identify")
                .then()
                .statusCode(200);
        admin().queryParam("from", "2024-04-10")
                .queryParam("to", "2024-04-11")
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(2));
        identify(anon, u, day.plus(Duration.ofHours(10)));
        admin().queryParam("from", "2024-04-10")
                .queryParam("to", "2024-04-11")
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .body("cohort", equalTo(1))
                .body("milestones[0].reached", equalTo(1));
        assertEquals(
                day.plus(Duration.ofHours(9)).toString(),
                user(u).getString("signedUpAt"),
                "the signup the user gave (createdAt) wins over the visitor's first event");
        admin().get("/v1/users?milestone=interest&reached=true&signedUpFrom=2024-04-10&signedUpTo=2024-04-11")
                .then()
                .statusCode(200)
                .body("users.userId", hasItem(u))
                .body("total", equalTo(1));
    }

    /** The value of a Prometheus counter line starting with {@code prefix} (a regex), 0 when absent. */
    static double metric(String prefix) {
        String text = RestAssured.given()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        Matcher m = Pattern.compile("(?m)^" + prefix + "[^}]*} ([0-9.Ee+-]+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
