package io.milepost.webhook;

import static io.milepost.support.Api.admin;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.milepost.action.OutboxSignal;
import io.milepost.support.Receiver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Endpoints served fairly by the background loop: a hanging or slow endpoint holds only its own
 * in-flight slots ({@code milepost.webhooks.endpoint-concurrency}), so the others' messages go
 * through as fast as they would alone. The webhook timeout is short here (3 s), so hanging attempts end soon.
 */
@QuarkusTest
@TestProfile(FairDeliveryTest.Fair.class)
class FairDeliveryTest {
    private static final Logger LOG = Logger.getLogger(FairDeliveryTest.class);
    static final int ENDPOINT_CONCURRENCY = 8;

    public static class Fair implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.scheduler.enabled", "true",
                    "milepost.scheduler.interval", "1h",
                    // longer than the slow endpoint's 2 s, short enough that hanging attempts end soon
                    "milepost.webhooks.timeout", "3s",
                    "milepost.webhooks.concurrency", "32",
                    "milepost.webhooks.endpoint-concurrency", Integer.toString(ENDPOINT_CONCURRENCY),
                    "milepost.webhooks.poll-interval", "200ms",
                    "milepost.webhooks.retry-schedule", "1s,1s,1s,1s,1s,1s,1s,1s");
        }
    }

    @Inject
    AgroalDataSource dataSource;
    @Inject
    OutboxSignal signal;

    private final List<Receiver> receivers = new ArrayList<>();
    private final List<String> endpoints = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        endpoints.forEach(id -> admin().delete("/v1/webhooks/" + id).then().statusCode(204));
        endpoints.clear();
        receivers.forEach(Receiver::close);
        receivers.clear();
    }

    @Test
    void shouldDeliverToAHealthyEndpointAsFastNextToAHangingOneAsAlone() throws Exception {
        int messages = 2_000;
        Receiver healthy = receiver();
        String healthyId = register(healthy);
        untilReceived(healthy, write(200, "warm-up"), Duration.ofSeconds(60));

        Set<String> alone = write(messages, "alone");
        long aloneNanos = untilReceived(healthy, alone, Duration.ofSeconds(120));
        endpoints.remove(healthyId);
        admin().delete("/v1/webhooks/" + healthyId).then().statusCode(204);

        Receiver healthyAgain = receiver();
        register(healthyAgain);
        AtomicInteger hangingCalls = new AtomicInteger();
        Receiver hanging = receiver().answer(r -> {
            hangingCalls.incrementAndGet();
            return new Receiver.Answer(200, Map.of(), 60_000);
        });
        register(hanging);
        Set<String> together = write(messages, "together");
        long togetherNanos = untilReceived(healthyAgain, together, Duration.ofSeconds(180));

        double ratio = (double) togetherNanos / aloneNanos;
        LOG.infof("fairness: %d messages to a healthy endpoint alone in %.2f s, next to a hanging one in %.2f s: %.2fx",
                messages, aloneNanos / 1e9, togetherNanos / 1e9, ratio);
        assertTrue(hangingCalls.get() > 0, "the hanging endpoint was tried");
        assertTrue(ratio <= 1.5, "next to a hanging endpoint: " + ratio + "x the time alone");
    }

    @Test
    void shouldNotLetAnEndpointThatAnswersAfterTwoSecondsHoldBackOneThatAnswersAtOnce() throws Exception {
        int messages = 200;
        AtomicInteger slowInFlight = new AtomicInteger();
        AtomicInteger slowMostInFlight = new AtomicInteger();
        Receiver fast = receiver();
        Receiver slow = receiver().answer(r -> {
            int now = slowInFlight.incrementAndGet();
            slowMostInFlight.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            slowInFlight.decrementAndGet();
            return Receiver.Answer.status(204);
        });
        register(slow);
        register(fast);

        Set<String> ids = write(messages, "slow-fast");
        long fastNanos = untilReceived(fast, ids, Duration.ofSeconds(60));

        int slowGot = distinct(slow, ids);
        LOG.infof("fast endpoint had all %d messages after %.2f s; the slow one had %d", messages, fastNanos / 1e9, slowGot);
        // at 2 s an answer and 8 at a time, the slow endpoint takes 50 s for them all; the fast one need not wait
        assertTrue(fastNanos < Duration.ofSeconds(20).toNanos(), "the fast endpoint waited " + fastNanos / 1e9 + " s");
        assertTrue(slowGot < messages, "the slow endpoint was still at " + slowGot);
        assertTrue(slowMostInFlight.get() <= ENDPOINT_CONCURRENCY,
                "at most " + ENDPOINT_CONCURRENCY + " attempts at once to one endpoint, saw " + slowMostInFlight.get());
        assertTrue(slowMostInFlight.get() >= 2, "several at once: " + slowMostInFlight.get());
    }

    private Receiver receiver() {
        Receiver r = Receiver.start();
        receivers.add(r);
        return r;
    }

    private String register(Receiver receiver) {
        String id = admin().body("{\"url\":\"" + receiver.url("/hook") + "\"}").post("/v1/webhooks")
                .then().statusCode(201).extract().jsonPath().getString("id");
        endpoints.add(id);
        return id;
    }

    /** Waits until the receiver has every one of these webhook-ids; answers the nanoseconds since the messages were written. */
    private long untilReceived(Receiver receiver, Set<String> ids, Duration max) throws InterruptedException {
        long start = written;
        long deadline = System.nanoTime() + max.toNanos();
        while (distinct(receiver, ids) < ids.size()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + distinct(receiver, ids) + " of " + ids.size() + " within " + max);
            }
            Thread.sleep(5);
        }
        return System.nanoTime() - start;
    }

    private static int distinct(Receiver receiver, Set<String> ids) {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        receiver.requests().forEach(r -> {
            if (ids.contains(r.header("webhook-id"))) {
                seen.add(r.header("webhook-id"));
            }
        });
        return seen.size();
    }

    private long written;

    /** Writes {@code n} messages to the outbox in one transaction, wakes the loop; answers their webhook-ids. */
    private Set<String> write(int n, String prefix) throws SQLException {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        Instant now = Instant.now();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            long firstId;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM outbox")) {
                rs.next();
                firstId = Math.max(rs.getLong(1), 2_000_000_000L);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox (id, type, user_id, subject, body, "
                    + "occurred_at, created_at, webhook_id) VALUES (?, 'milestone.reached', ?, 'interest', ?, ?, ?, ?)")) {
                for (int i = 0; i < n; i++) {
                    String webhookId = "msg_" + prefix + "_" + i + "_" + firstId;
                    ids.add(webhookId);
                    ps.setLong(1, firstId + i);
                    ps.setString(2, prefix + "-" + i);
                    ps.setString(3, "{\"type\":\"milestone.reached\",\"data\":{\"userId\":\"" + prefix + "-" + i + "\"}}");
                    ps.setObject(4, now.atOffset(ZoneOffset.UTC));
                    ps.setObject(5, now.atOffset(ZoneOffset.UTC));
                    ps.setString(6, webhookId);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
        written = System.nanoTime();
        signal.outboxWritten();
        return ids;
    }
}
