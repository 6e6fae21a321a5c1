package io.milepost.bench;

import static io.restassured.RestAssured.given;

import io.agroal.api.AgroalDataSource;
import io.milepost.config.MilepostConfig;
import io.milepost.outbox.OutboxSignal;
import io.milepost.support.OutboxRows;
import io.milepost.support.Receiver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How long a healthy endpoint takes to receive a batch of messages next to an endpoint that never
 * answers (every attempt runs into the webhook timeout), against the same batch alone, measured in
 * the same run: alone and together alternate (A T T A A T ...), so a change in the machine's speed
 * falls on both. {@code FairDeliveryTest} shows the mechanism (the hanging endpoint holds only its
 * own slots); this shows what it costs the healthy endpoint in time.
 *
 * <p>{@code ./mvnw -o -B test -Pbench[,postgresql] -Dtest=WebhookFairnessBenchmark
 * [-Dbench.fair-messages=2000 -Dbench.fair-rounds=6]}; the table also goes to
 * {@code target/bench-fairness-results-<database>.txt}.
 */
@QuarkusTest
@TestProfile(WebhookFairnessBenchmark.Profile.class)
class WebhookFairnessBenchmark {
    /** The webhook benchmark's profile (background loop on, private addresses allowed), with the 10 s timeout the fairness case is about. */
    public static class Profile extends WebhookBenchmark.Profile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>(super.getConfigOverrides());
            c.put("milepost.webhooks.timeout", "10s");
            return c;
        }
    }

    final int messages = Integer.getInteger("bench.fair-messages", 2_000);
    final int rounds = Integer.getInteger("bench.fair-rounds", 6);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    OutboxSignal signal;

    @Inject
    MilepostConfig config;

    private final BenchReport table = new BenchReport();

    @Test
    void benchmark() throws Exception {
        BenchDatabase.clear(dataSource);
        // warm-up (untimed): the delivery path, JIT and connections
        alone("warm-up");
        double[] aloneSeconds = new double[rounds / 2 + rounds % 2];
        double[] togetherSeconds = new double[rounds / 2 + rounds % 2];
        int a = 0;
        int t = 0;
        List<String> order = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            // A T T A A T: each kind runs first as often as second
            boolean aloneFirst = (r / 2) % 2 == 0 ? r % 2 == 0 : r % 2 == 1;
            if (aloneFirst && a < aloneSeconds.length || t >= togetherSeconds.length) {
                aloneSeconds[a++] = alone("alone-" + r);
                order.add("alone");
            } else {
                togetherSeconds[t++] = together("together-" + r);
                order.add("next to a hanging endpoint");
            }
        }
        double aloneMedian = median(aloneSeconds);
        double togetherMedian = median(togetherSeconds);
        table.log("");
        table.log(
                "Milepost webhook fairness: %s, %d messages to a healthy local endpoint, webhook timeout %s, "
                        + "%d in flight, %d per endpoint; rounds in the order %s",
                BenchDatabase.name(dataSource),
                messages,
                config.webhooks().timeout(),
                config.webhooks().concurrency(),
                config.webhooks().endpointConcurrency(),
                String.join(", ", order));
        table.log("");
        table.log("| healthy endpoint | rounds (s) | median (s) | messages/s | ratio vs alone |");
        table.log("|---|---|---:|---:|---:|");
        table.log("| alone | %s | %.2f | %,.0f | 1.00 |", rounds(aloneSeconds), aloneMedian, messages / aloneMedian);
        table.log(
                "| next to an endpoint that never answers | %s | %.2f | %,.0f | %.2f |",
                rounds(togetherSeconds), togetherMedian, messages / togetherMedian, togetherMedian / aloneMedian);
        table.write("bench-fairness-results");
        BenchDatabase.clear(dataSource);
    }

    /** Seconds from commit until a healthy endpoint, the only one, has every message. */
    private double alone(String prefix) throws Exception {
        try (Receiver healthy = Receiver.start()) {
            String id = register(healthy);
            try {
                return deliver(healthy, prefix);
            } finally {
                delete(id);
            }
        }
    }

    /** Seconds from commit until a healthy endpoint has every message, with an endpoint that never answers subscribed too. */
    private double together(String prefix) throws Exception {
        try (Receiver healthy = Receiver.start();
                Receiver hanging = Receiver.start().answer(r -> new Receiver.Answer(200, Map.of(), 120_000))) {
            String healthyId = register(healthy);
            String hangingId = register(hanging);
            try {
                return deliver(healthy, prefix);
            } finally {
                delete(hangingId);
                delete(healthyId);
            }
        }
    }

    private double deliver(Receiver healthy, String prefix) throws Exception {
        OutboxRows.Written written = OutboxRows.write(dataSource, messages, prefix);
        signal.outboxWritten();
        Set<String> ids = written.ids();
        long done = OutboxRows.untilReceived(healthy, ids, 600_000_000_000L);
        return (done - written.committedNanos()) / 1e9;
    }

    private static String register(Receiver receiver) {
        return given().header("Authorization", "Bearer bench-admin-key")
                .contentType("application/json")
                .body("{\"url\":\"" + receiver.url("/hook") + "\"}")
                .post("/v1/webhooks")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getString("id");
    }

    /** Removes an endpoint (its waiting deliveries go with it); a removal that lost a lock race with the loop is tried again. */
    private static void delete(String id) {
        for (int i = 0; i < 10; i++) {
            int status = given().header("Authorization", "Bearer bench-admin-key")
                    .delete("/v1/webhooks/" + id)
                    .statusCode();
            if (status == 204 || status == 404) {
                return;
            }
        }
        throw new AssertionError("could not remove endpoint " + id);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String rounds(double[] seconds) {
        List<String> parts = new ArrayList<>();
        for (double s : seconds) {
            parts.add(String.format(java.util.Locale.ROOT, "%.2f", s));
        }
        return String.join(", ", parts);
    }
}
