package io.milepost.webhook;

import static io.milepost.support.Api.admin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.milepost.outbox.OutboxSignal;
import io.milepost.support.OutboxRows;
import io.milepost.support.Receiver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Endpoints served fairly by the background loop: a hanging or slow endpoint holds only its own
 * in-flight slots ({@code milepost.webhooks.endpoint-concurrency}), so the others' messages go
 * through without waiting behind them. How fast they go next to a hanging endpoint, against alone, is
 * measured by {@code WebhookFairnessBenchmark}, not here.
 */
@QuarkusTest
@TestProfile(FairDeliveryTest.Fair.class)
class FairDeliveryTest {
    private static final Logger LOG = Logger.getLogger(FairDeliveryTest.class);
    static final int ENDPOINT_CONCURRENCY = 8;

    public static class Fair implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.scheduler.enabled",
                    "true",
                    "milepost.scheduler.interval",
                    "1h",
                    // longer than the slow endpoint's 2 s and than the hanging endpoint is kept hanging
                    "milepost.webhooks.timeout",
                    "1m",
                    "milepost.webhooks.concurrency",
                    "32",
                    "milepost.webhooks.endpoint-concurrency",
                    Integer.toString(ENDPOINT_CONCURRENCY),
                    "milepost.webhooks.poll-interval",
                    "200ms",
                    "milepost.webhooks.retry-schedule",
                    "1s,1s,1s,1s,1s,1s,1s,1s");
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
        endpoints.forEach(FairDeliveryTest::delete);
        endpoints.clear();
        receivers.forEach(Receiver::close);
        receivers.clear();
    }

    @Test
    void shouldDeliverEveryMessageToAHealthyEndpointWhileAHangingOneHoldsOnlyItsOwnSlots() throws Exception {
        int messages = 2_000;
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger hangingInFlight = new AtomicInteger();
        AtomicInteger hangingMostInFlight = new AtomicInteger();
        Receiver healthy = receiver();
        Receiver hanging = receiver().answer(r -> {
            hangingMostInFlight.accumulateAndGet(hangingInFlight.incrementAndGet(), Math::max);
            try {
                // hangs until the healthy endpoint has had everything: longer than the webhook timeout allows
                release.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            hangingInFlight.decrementAndGet();
            return Receiver.Answer.status(204);
        });
        register(hanging);
        register(healthy);
        try {
            Set<String> ids = write(messages, "hanging-healthy");
            untilReceived(healthy, ids, Duration.ofSeconds(180));
            int hangingGot = OutboxRows.received(hanging, ids);
            LOG.infof(
                    "healthy endpoint had all %d messages; the hanging one had been sent %d, at most %d at once",
                    messages, hangingGot, hangingMostInFlight.get());
            // every slot but the hanging endpoint's own stayed free for the healthy one: its messages
            // did not wait behind the hanging attempts (how long they take together is WebhookFairnessBenchmark's)
            assertEquals(
                    ENDPOINT_CONCURRENCY,
                    hangingMostInFlight.get(),
                    "the hanging endpoint held exactly its own " + ENDPOINT_CONCURRENCY + " slots");
            assertTrue(hangingGot < messages, "the hanging endpoint was still at " + hangingGot + " of " + messages);
        } finally {
            release.countDown();
        }
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
        untilReceived(fast, ids, Duration.ofSeconds(120));

        int slowGot = OutboxRows.received(slow, ids);
        LOG.infof("fast endpoint had all %d messages; the slow one had %d", messages, slowGot);
        // at 2 s an answer and 8 at a time, the slow endpoint needs 50 s for them all: the fast one did not wait for it
        assertTrue(slowGot < messages, "the slow endpoint was still at " + slowGot);
        assertTrue(
                slowMostInFlight.get() <= ENDPOINT_CONCURRENCY,
                "at most " + ENDPOINT_CONCURRENCY + " attempts at once to one endpoint, saw " + slowMostInFlight.get());
        assertTrue(slowMostInFlight.get() >= 2, "several at once: " + slowMostInFlight.get());
    }

    /** Removes an endpoint; a removal that lost a lock race with the loop's cycle is tried again. */
    private static void delete(String id) {
        for (int i = 0; i < 5; i++) {
            int status = admin().delete("/v1/webhooks/" + id).statusCode();
            if (status == 204 || status == 404) {
                return;
            }
        }
        throw new AssertionError("could not remove endpoint " + id);
    }

    private Receiver receiver() {
        Receiver r = Receiver.start();
        receivers.add(r);
        return r;
    }

    private String register(Receiver receiver) {
        String id = admin().body("{\"url\":\"" + receiver.url("/hook") + "\"}")
                .post("/v1/webhooks")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getString("id");
        endpoints.add(id);
        return id;
    }

    private Set<String> write(int n, String prefix) throws SQLException {
        Set<String> ids = OutboxRows.write(dataSource, n, prefix).ids();
        signal.outboxWritten();
        return ids;
    }

    private static void untilReceived(Receiver receiver, Set<String> ids, Duration max) throws InterruptedException {
        OutboxRows.untilReceived(receiver, ids, max.toNanos());
    }
}
