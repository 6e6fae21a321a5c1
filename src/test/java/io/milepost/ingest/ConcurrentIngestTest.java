package io.milepost.ingest;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many requests for the same user at once: no count lost, no milestone or action doubled. */
@QuarkusTest
class ConcurrentIngestTest {
    static final int THREADS = 8;
    static final int REQUESTS = 15;
    static final int EVENTS = 4;

    @Test
    void shouldNeverLoseACountOrDoubleAMilestoneUnderConcurrentRequests() throws Exception {
        String u = newUser("race");
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<int[]>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            results.add(pool.submit(() -> {
                int accepted = 0;
                int duplicates = 0;
                for (int r = 0; r < REQUESTS; r++) {
                    StringBuilder items = new StringBuilder();
                    for (int e = 0; e < EVENTS; e++) {
                        // every thread also sends one messageId that all threads share
                        String id = e == 0 ? u + "-shared-" + r : u + "-" + thread + "-" + r + "-" + e;
                        String name = e == 3 ? "list_created" : "search_performed";
                        items.append(e == 0 ? "" : ",")
                                .append("{\"type\":\"track\",\"userId\":\"")
                                .append(u)
                                .append("\",\"event\":\"")
                                .append(name)
                                .append("\",\"messageId\":\"")
                                .append(id)
                                .append("\"}");
                    }
                    JsonPath ack = writer().body("{\"batch\":[" + items + "]}")
                            .post("/v1/batch")
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
                    accepted += ack.getInt("accepted");
                    duplicates += ack.getInt("duplicates");
                }
                return new int[] {accepted, duplicates};
            }));
        }
        int accepted = 0;
        int duplicates = 0;
        for (Future<int[]> f : results) {
            int[] r = f.get(3, TimeUnit.MINUTES);
            accepted += r[0];
            duplicates += r[1];
        }
        pool.shutdown();

        int distinct = THREADS * REQUESTS * (EVENTS - 1) + REQUESTS;
        assertEquals(distinct, accepted, "accepted events");
        assertEquals(THREADS * REQUESTS * EVENTS - distinct, duplicates, "duplicates");
        JsonPath user =
                admin().get("/v1/users/" + u).then().statusCode(200).extract().jsonPath();
        int lists = THREADS * REQUESTS;
        assertEquals(lists, user.getInt("activity.list_created.count"));
        assertEquals(distinct - lists, user.getInt("activity.search_performed.count"));
        assertEquals(List.of("interest", "first_value"), user.getList("milestones.name"));
        assertEquals(
                1,
                user.getList("actions.findAll { it.action == 'suggest_export' }")
                        .size());
    }

    @Test
    void shouldCreateAUserOnceWhenItsFirstEventsArriveTogether() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            users.add(newUser("first-contact"));
        }
        List<Future<?>> done = new ArrayList<>();
        for (String u : users) {
            for (int t = 0; t < THREADS; t++) {
                done.add(pool.submit(() -> writer().body("{\"userId\":\"" + u + "\",\"event\":\"search_performed\"}")
                        .post("/v1/track")
                        .then()
                        .statusCode(200)));
            }
        }
        for (Future<?> f : done) {
            f.get(3, TimeUnit.MINUTES);
        }
        pool.shutdown();
        for (String u : users) {
            admin().get("/v1/users/" + u)
                    .then()
                    .statusCode(200)
                    .body("activity.search_performed.count", equalTo(THREADS))
                    .body("milestones.size()", equalTo(1));
        }
    }
}
