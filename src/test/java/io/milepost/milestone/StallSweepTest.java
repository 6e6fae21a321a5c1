package io.milepost.milestone;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static io.milepost.support.Api.signup;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Closed windows become stalls, once, at the window's close time; reactive rules follow. */
@QuarkusTest
class StallSweepTest {

    @Inject
    StallSweep sweep;

    @Test
    void shouldStallAUserWhenTheWindowClosesAndNotBefore() {
        String u = newUser("stall");
        Instant signup = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        signup(u, signup);
        Instant interestCloses = signup.plus(Duration.ofDays(3));
        admin().get("/v1/users/" + u).then().body("nextCheckAt", equalTo(interestCloses.toString()));

        sweep.sweep(interestCloses.minusSeconds(1));
        admin().get("/v1/users/" + u).then().body("stalled", hasSize(0));

        sweep.sweep(interestCloses);
        admin().get("/v1/users/" + u)
                .then()
                .body("stalled.milestone", contains("interest"))
                .body("stalled[0].since", equalTo(interestCloses.toString()))
                .body("actions.action", contains("rescue_interest"))
                .body("nextCheckAt", equalTo(signup.plus(Duration.ofDays(7)).toString()));

        sweep.sweep(interestCloses.plusSeconds(60));
        admin().get("/v1/users/" + u).then().body("stalled", hasSize(1)).body("actions", hasSize(1));
        admin().get("/v1/users/" + u + "/timeline").then().body("items.type", hasItem("stalled"));
    }

    @Test
    void shouldStallAnImportedHistoryAtOnceWithTheWindowsCloseTimes() {
        String u = newUser("imported");
        Instant signup = Instant.parse("2026-02-02T09:00:00Z");
        signup(u, signup);
        sendTrack(u, "search_performed", signup.plus(Duration.ofHours(1)));
        for (int i = 0; i < 4; i++) {
            sendTrack(u, "search_performed", signup.plus(Duration.ofDays(9)).plusSeconds(i));
        }
        sendTrack(u, "list_created", signup.plus(Duration.ofDays(10))); // first value, but late

        sweep.sweep(Instant.now());
        JsonPath state = admin().get("/v1/users/" + u).then().extract().jsonPath();
        // first value came 3 days after its window; then no export within 14 days of it
        assertEquals(List.of("first_value", "value_realization"), state.getList("stalled.milestone"));
        assertEquals(signup.plus(Duration.ofDays(7)).toString(), state.getString("stalled[0].since"));
        assertEquals(signup.plus(Duration.ofDays(24)).toString(), state.getString("stalled[1].since"));
        // reached late: both facts stay
        assertEquals(
                signup.plus(Duration.ofDays(10)).toString(),
                state.getString("milestones.find { it.name == 'first_value' }.reachedAt"));
        assertEquals(
                1,
                state.getList("actions.findAll { it.action == 'rescue_first_value' }")
                        .size());
        admin().queryParam("stalled", "first_value")
                .queryParam("limit", 1000)
                .get("/v1/users")
                .then()
                .body("users.userId", hasItem(u));
    }

    @Test
    void shouldCountAWindowFromAnEarlierMilestoneWithAfter() {
        String u = newUser("after");
        Instant signup = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
        signup(u, signup);
        Instant firstValueAt = signup.plus(Duration.ofHours(5));
        for (int i = 0; i < 5; i++) {
            sendTrack(u, "search_performed", signup.plus(Duration.ofHours(1)).plusSeconds(i));
        }
        sendTrack(u, "list_created", firstValueAt);
        Instant closes = firstValueAt.plus(Duration.ofDays(14));
        admin().get("/v1/users/" + u).then().body("nextCheckAt", equalTo(closes.toString()));

        sweep.sweep(closes);
        admin().get("/v1/users/" + u)
                .then()
                .body("stalled.milestone", contains("value_realization"))
                .body("stalled[0].since", equalTo(closes.toString()))
                .body("actions.action", hasItem("rescue_value_realization"))
                .body("nextCheckAt", nullValue());
    }

    @Test
    void shouldRepeatAReactiveActionOnItsScheduleWithoutNewEvents() {
        // continued_value closes 35 days after value realization; check_in repeats every 14 days
        String u = newUser("repeat");
        Instant signup = Instant.now().minus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);
        signup(u, signup);
        for (int i = 0; i < 5; i++) {
            sendTrack(u, "search_performed", signup.plus(Duration.ofHours(1)).plusSeconds(i));
        }
        sendTrack(u, "list_created", signup.plus(Duration.ofHours(2)));
        Instant realized = signup.plus(Duration.ofHours(3));
        sendTrack(u, "export_completed", realized);
        Instant closes = realized.plus(Duration.ofDays(35));

        sweep.sweep(closes);
        admin().get("/v1/users/" + u)
                .then()
                .body("stalled.milestone", contains("continued_value"))
                .body("actions.findAll { it.action == 'check_in' }.occurrence", contains(1))
                .body("nextCheckAt", equalTo(closes.plus(Duration.ofDays(14)).toString()));
        sweep.sweep(closes.plus(Duration.ofDays(13)));
        admin().get("/v1/users/" + u).then().body("actions.findAll { it.action == 'check_in' }", hasSize(1));
        sweep.sweep(closes.plus(Duration.ofDays(14)));
        admin().get("/v1/users/" + u)
                .then()
                .body("actions.findAll { it.action == 'check_in' }.occurrence", contains(1, 2))
                .body("nextCheckAt", equalTo(closes.plus(Duration.ofDays(28)).toString()));
    }

    @Test
    void shouldNeverRecordAStallTwiceWithTwoSweepersAtOnce() throws Exception {
        List<String> users = new ArrayList<>();
        Instant signup = Instant.parse("2026-03-02T09:00:00Z");
        for (int i = 0; i < 60; i++) {
            String u = newUser("pair");
            signup(u, signup);
            users.add(u);
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Instant now = Instant.now();
        List<Future<Integer>> runs = List.of(pool.submit(() -> sweep.sweep(now)), pool.submit(() -> sweep.sweep(now)));
        int looked = 0;
        for (Future<Integer> f : runs) {
            looked += f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        for (String u : users) {
            admin().get("/v1/users/" + u)
                    .then()
                    .body("stalled.milestone", contains("interest", "first_value"))
                    .body("actions.action", contains("rescue_interest", "rescue_first_value"));
        }
        // neither sweeper failed on a unique key (a double claim would), and together they saw everyone
        assertEquals(true, looked >= users.size(), "looked at " + looked);
    }
}
