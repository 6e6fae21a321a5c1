package io.milepost.user;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.batch;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.track;
import static io.milepost.support.Api.writer;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.store.RowWriter;
import io.milepost.store.UserStateStore;
import io.milepost.support.LockWaits;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@QuarkusTest
class UserApiTest {
    @Inject
    UserStateStore store;

    @Inject
    io.agroal.api.AgroalDataSource dataSource;

    @Inject
    RowWriter rows;

    static void firstValue(String u, String day) {
        writer().body(batch(
                        track(u, "search_performed", day + "T10:00:00Z"),
                                track(u, "search_performed", day + "T10:01:00Z"),
                        track(u, "search_performed", day + "T10:02:00Z"),
                                track(u, "search_performed", day + "T10:03:00Z"),
                        track(u, "search_performed", day + "T10:04:00Z"), track(u, "list_created", day + "T10:05:00Z")))
                .post("/v1/batch")
                .then()
                .statusCode(200);
    }

    @Test
    void shouldNotGetAnUnknownUser() {
        admin().get("/v1/users/nobody-" + System.nanoTime())
                .then()
                .statusCode(404)
                .body("error", equalTo("not_found"))
                .body("message", notNullValue());
    }

    @Test
    void shouldPageThroughTheWholeTimelineInTimeOrder() {
        String u = newUser("timeline");
        firstValue(u, "2026-04-01");
        List<String> seen = new ArrayList<>();
        List<String> times = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonPath page = admin().queryParam("limit", 3)
                    .queryParam("cursor", cursor == null ? "" : cursor)
                    .get("/v1/users/" + u + "/timeline")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            List<String> types = page.getList("items.type");
            List<String> names = page.getList("items.name");
            List<String> ats = page.getList("items.at");
            for (int i = 0; i < types.size(); i++) {
                seen.add(types.get(i) + ":" + names.get(i) + "@" + ats.get(i));
            }
            times.addAll(ats);
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null && pages < 20);
        // 6 events, 2 milestones, 2 actions
        assertEquals(10, seen.size(), seen.toString());
        assertEquals(10, new HashSet<>(seen).size(), "an item came twice: " + seen);
        assertTrue(
                seen.contains("milestone:first_value@2026-04-01T10:05:00Z")
                        && seen.contains("action:suggest_export@2026-04-01T10:05:00Z"),
                seen.toString());
        List<String> sorted = new ArrayList<>(times);
        sorted.sort(null);
        assertEquals(sorted, times, "timeline not in time order");
        assertEquals(4, pages);
    }

    @Test
    void shouldListUsersWhoReachedOrDidNotReachAMilestone() {
        String prefix = "seg" + System.nanoTime();
        String reached1 = prefix + "-a";
        String reached2 = prefix + "-b";
        String notReached = prefix + "-c";
        firstValue(reached1, "2026-04-02");
        firstValue(reached2, "2026-04-03");
        writer().body(track(notReached, "search_performed", "2026-04-03T10:00:00Z"))
                .post("/v1/track")
                .then()
                .statusCode(200);

        List<String> reached = collect("first_value", "true");
        assertTrue(
                reached.contains(reached1) && reached.contains(reached2) && !reached.contains(notReached),
                reached.toString());
        List<String> notYet = collect("first_value", "false");
        assertTrue(notYet.contains(notReached) && !notYet.contains(reached1), notYet.toString());
        admin().queryParam("reached", "maybe")
                .queryParam("milestone", "x")
                .get("/v1/users")
                .then()
                .statusCode(400);
        admin().queryParam("reached", "true").get("/v1/users").then().statusCode(400);
        admin().queryParam("limit", "0").get("/v1/users").then().statusCode(400);
        admin().queryParam("limit", "ten").get("/v1/users").then().statusCode(400);
        admin().queryParam("cursor", "%%%").get("/v1/users").then().statusCode(400);
    }

    /** Every page of a segment, one user at a time, so pagination is exercised. */
    private static List<String> collect(String milestone, String reached) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        for (int guard = 0; guard < 10_000; guard++) {
            JsonPath page = admin().queryParam("milestone", milestone)
                    .queryParam("reached", reached)
                    .queryParam("limit", 2)
                    .queryParam("cursor", cursor == null ? "" : cursor)
                    .get("/v1/users")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            ids.addAll(page.getList("users.userId"));
            cursor = page.getString("nextCursor");
            if (cursor == null) {
                break;
            }
        }
        assertEquals(ids.size(), new HashSet<>(ids).size(), "a user was listed twice");
        return ids;
    }

    @Test
    void shouldEraseEveryRecordOfAUser() {
        String u = newUser("erase");
        firstValue(u, "2026-04-04");
        String again = "{\"userId\":\"" + u + "\",\"event\":\"search_performed\",\"messageId\":\"" + u + "-keep\"}";
        writer().body(again).post("/v1/track").then().statusCode(200).body("accepted", equalTo(1));

        admin().delete("/v1/users/" + u).then().statusCode(204);

        admin().get("/v1/users/" + u).then().statusCode(404);
        admin().get("/v1/users/" + u + "/timeline").then().statusCode(404);
        admin().queryParam("milestone", "first_value")
                .queryParam("limit", 1000)
                .get("/v1/users")
                .then()
                .body("users.userId", not(hasItem(u)));
        admin().delete("/v1/users/" + u).then().statusCode(404);
        // the erased messageId is gone too: the same message is a new event now
        writer().body(again).post("/v1/track").then().statusCode(200).body("accepted", equalTo(1));
        admin().get("/v1/users/" + u).then().statusCode(200).body("activity.search_performed.count", equalTo(1));
    }

    @Test
    void shouldShowAUserAsOfOneMomentWhileTheirRecordsAreBeingWritten() throws Exception {
        String u = newUser("moment");
        writer().body(batch(track(u, "search_performed", "2026-06-01T10:00:00Z")))
                .post("/v1/batch")
                .then()
                .statusCode(200);
        CountDownLatch firstWritten = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // what the stall sweep does: lock the user, record a stall, then the action it fires, commit
            Future<?> sweep =
                    pool.submit(() -> QuarkusTransaction.requiringNew().run(() -> {
                        store.lockAndLoad(List.of(u));
                        Instant since = Instant.parse("2026-06-08T10:00:00Z");
                        rows.stall(u, "first_value", since, "test", Instant.now());
                        rows.flush();
                        firstWritten.countDown();
                        await(finish);
                        rows.action(
                                u, "rescue_first_value", 1, since, "test", "{}", null, false, "test", Instant.now());
                    }));
            assertTrue(firstWritten.await(10, TimeUnit.SECONDS));
            Future<JsonPath> read = pool.submit(() -> admin().get("/v1/users/" + u)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath());
            LockWaits.untilASessionWaits(dataSource, Duration.ofSeconds(10));
            assertFalse(read.isDone(), "the read waits for the transaction that is recording for the user");
            finish.countDown();
            sweep.get(10, TimeUnit.SECONDS);
            JsonPath state = read.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("first_value"), state.getList("stalled.milestone"));
            assertEquals(List.of("rescue_first_value"), state.getList("actions.action"));
        } finally {
            finish.countDown();
            pool.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
