package io.milepost.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What merging a visitor into the user they become costs. N visitors, each with K anonymous events,
 * and N identified users with K events each, are ingested; then, timed, one identify per user:
 * <ul>
 *   <li>(i) baseline: identifies that carry only the userId (a trait update and an evaluation);</li>
 *   <li>(m) the same identifies carrying the visitor's anonymousId: each merges the visitor into the
 *       user (rows re-pointed, activity combined, the survivor rebuilt from both histories).</li>
 * </ul>
 * Both through {@code POST /v1/batch}, {@code bench.batch} calls a request, {@code bench.threads}
 * clients, in the same run; the result is (m)/(i). Run with {@code ./mvnw verify -Pbench
 * -Dtest=MergeBenchmark} (H2 file database) or with {@code -Pbench,postgresql}.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
class MergeBenchmark {
    final int users = Integer.getInteger("bench.merge-users", 2_000);
    final int eventsPerUser = Integer.getInteger("bench.merge-events-per-user", 10);
    final int threads = Integer.getInteger("bench.threads", 2);
    final int batch = Integer.getInteger("bench.merge-batch", 100);

    @Inject
    AgroalDataSource dataSource;

    @TestHTTPResource("/v1/batch")
    URI batchUri;

    private final BenchReport table = new BenchReport();

    @Test
    void benchmark() throws Exception {
        BenchClient client = new BenchClient(batchUri);
        String db = BenchDatabase.name(dataSource);
        Instant t0 = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        // warm-up, untimed
        run(client, "warm", Math.max(100, users / 10), t0);
        double[] rates = run(client, "run", users, t0);
        table.log(
                "Merge benchmark on %s: %,d visitors and %,d users with %d events each, %d identifies a request, "
                        + "%d clients",
                db, users, users, eventsPerUser, batch, threads);
        table.log("| database | (i) identify, users/s | (m) identify merging a visitor, users/s | (m)/(i) |");
        table.log("|---|---:|---:|---:|");
        table.log(
                "| %s | %,.0f | %,.0f | %.0f%% |",
                BenchProfile.postgres() ? "PostgreSQL" : "H2 (file)", rates[0], rates[1], 100 * rates[1] / rates[0]);
        table.write("bench-merge-results");
    }

    /** Ingests the histories, then times (i) and (m); answers their rates. */
    private double[] run(BenchClient client, String tag, int n, Instant t0) throws Exception {
        BenchDatabase.clear(dataSource);
        // each user's calls from one client, in order (as a real source sends them)
        List<List<String>> history = perClient();
        List<List<String>> plain = perClient();
        List<List<String>> merging = perClient();
        Instant later = t0.plus(1, ChronoUnit.DAYS);
        for (int u = 0; u < n; u++) {
            for (int e = 0; e < eventsPerUser; e++) {
                Instant at = t0.plusSeconds(u + 60L * e);
                history.get(u % threads).add(track("anonymousId", tag + "-visitor-" + u, "search_performed", at));
                history.get(u % threads)
                        .add(track(
                                "userId",
                                tag + "-user-" + u,
                                e == 0 ? "list_created" : "search_performed",
                                at.plusSeconds(30)));
                history.get(u % threads).add(track("userId", tag + "-plain-" + u, "search_performed", at));
            }
            plain.get(u % threads).add(identify(tag + "-plain-" + u, null, later));
            merging.get(u % threads).add(identify(tag + "-user-" + u, tag + "-visitor-" + u, later));
        }
        client.post(streams(history));

        long start = System.nanoTime();
        assertEquals(n, client.post(streams(plain)));
        double identifies = n / ((System.nanoTime() - start) / 1e9);
        start = System.nanoTime();
        assertEquals(n, client.post(streams(merging)));
        double merges = n / ((System.nanoTime() - start) / 1e9);
        assertEquals(n, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM user_aliases"), "visitors merged");
        assertEquals(
                (long) n * eventsPerUser * 2,
                BenchDatabase.count(
                        dataSource,
                        "SELECT COUNT(*) FROM events WHERE user_id LIKE '" + tag + "-user-%' AND type = 'track'"),
                "events re-pointed");
        return new double[] {identifies, merges};
    }

    private List<List<String>> perClient() {
        List<List<String>> clients = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            clients.add(new ArrayList<>());
        }
        return clients;
    }

    /** Each client's calls as request bodies of {@code batch} calls. */
    private List<List<byte[]>> streams(List<List<String>> perClient) {
        List<List<byte[]>> streams = new ArrayList<>();
        for (List<String> items : perClient) {
            List<byte[]> bodies = new ArrayList<>();
            for (int from = 0; from < items.size(); from += batch) {
                String body = "{\"batch\":["
                        + String.join(",", items.subList(from, Math.min(items.size(), from + batch))) + "]}";
                bodies.add(body.getBytes(StandardCharsets.UTF_8));
            }
            streams.add(bodies);
        }
        return streams;
    }

    private static String track(String idField, String id, String event, Instant at) {
        return "{\"type\":\"track\",\"" + idField + "\":\"" + id + "\",\"event\":\"" + event + "\",\"timestamp\":\""
                + at + "\"}";
    }

    private static String identify(String userId, String anonymousId, Instant at) {
        return "{\"type\":\"identify\",\"userId\":\"" + userId + "\""
                + (anonymousId == null ? "" : ",\"anonymousId\":\"" + anonymousId + "\"")
                + ",\"traits\":{\"plan\":\"free\"},\"timestamp\":\"" + at + "\"}";
    }
}
