package io.milepost.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.milepost.action.OutboxSignal;
import io.milepost.config.MilepostConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Moves outbox messages to webhook endpoints. Three steps, each its own short transaction, so
 * several instances on one database share the work and never send the same attempt twice:
 * <ol>
 * <li><b>fan out</b>: claims undispatched outbox rows ({@code FOR UPDATE SKIP LOCKED}) and writes
 * one delivery per matching, enabled endpoint;</li>
 * <li><b>claim</b>: takes due deliveries ({@code FOR UPDATE SKIP LOCKED}), counts the attempt and
 * moves {@code next_attempt_at} to a lease (timeout + {@value #LEASE_MARGIN_SECONDS} s) so no one else
 * takes them while the attempt is in flight; if this instance dies, the lease runs out and another
 * instance retries with the same {@code webhook-id};</li>
 * <li><b>record</b>: writes each attempt's outcome (delivered, retry at, failed, endpoint gone),
 * only if the delivery is still the one this instance claimed.</li>
 * </ol>
 * A background loop runs the steps, woken when a transaction that wrote outbox messages commits
 * or an attempt finishes, and polling every {@code milepost.webhooks.poll-interval} for other
 * instances' messages. Tests call {@link #runOnce(Instant)} instead.
 */
@ApplicationScoped
public class Dispatcher {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    static final int FANOUT_BATCH = 500;
    static final long LEASE_MARGIN_SECONDS = 30;
    private static final Duration MIN_SLEEP = Duration.ofMillis(10);

    private final EntityManager em;
    private final WebhookSender sender;
    private final OutboxSignal signal;
    private final Clock clock;
    private final RetryPolicy retries;
    private final Duration lease;
    private final Duration pollInterval;
    private final int concurrency;
    private final boolean background;
    private final Counter delivered;
    private final Counter retried;
    private final Counter failed;
    private final Timer attemptTime;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<WebhookSender.Result> finished = new ConcurrentLinkedQueue<>();
    private volatile boolean running;
    private Thread loop;

    public Dispatcher(EntityManager em, WebhookSender sender, OutboxSignal signal, Clock clock, MilepostConfig config,
                      MeterRegistry metrics,
                      @ConfigProperty(name = "quarkus.scheduler.enabled", defaultValue = "true") boolean background) {
        this.em = em;
        this.sender = sender;
        this.signal = signal;
        this.clock = clock;
        this.retries = RetryPolicy.parse(config.webhooks().retrySchedule());
        this.lease = config.webhooks().timeout().plusSeconds(LEASE_MARGIN_SECONDS);
        this.pollInterval = config.webhooks().pollInterval();
        this.concurrency = Math.max(1, config.webhooks().concurrency());
        this.background = background;
        this.delivered = Counter.builder("milepost.webhook.deliveries").tag("outcome", "delivered")
                .description("webhook attempts by outcome").register(metrics);
        this.retried = Counter.builder("milepost.webhook.deliveries").tag("outcome", "retried")
                .description("webhook attempts by outcome").register(metrics);
        this.failed = Counter.builder("milepost.webhook.deliveries").tag("outcome", "failed")
                .description("webhook attempts by outcome").register(metrics);
        Gauge.builder("milepost.webhook.queue.depth", this, Dispatcher::queueDepth)
                .description("deliveries waiting for an attempt, and outbox messages not yet fanned out")
                .register(metrics);
        this.attemptTime = Timer.builder("milepost.webhook.attempt").description("time of one webhook attempt")
                .publishPercentiles(0.5, 0.99).register(metrics);
    }

    /** Pending deliveries plus messages not yet fanned out; read on each metrics scrape. */
    double queueDepth() {
        return QuarkusTransaction.requiringNew().call(() -> {
            long pending = em.createQuery("select count(d) from Delivery d where d.status = :pending", Long.class)
                    .setParameter("pending", Delivery.PENDING).getSingleResult();
            long undispatched = ((Number) em.createNativeQuery("SELECT count(*) FROM outbox WHERE dispatched_at IS NULL")
                    .getSingleResult()).longValue();
            return (double) (pending + undispatched);
        });
    }

    void start(@Observes StartupEvent started) {
        if (!background) {
            return;
        }
        running = true;
        loop = new Thread(this::loop, "milepost-webhooks");
        loop.setDaemon(true);
        loop.start();
    }

    void stop(@Observes ShutdownEvent stopping) throws InterruptedException {
        running = false;
        if (loop != null) {
            signal.wake();
            loop.join(TimeUnit.SECONDS.toMillis(15));
        }
    }

    /** Fans out every undispatched message and makes every attempt due at {@code now}; returns attempts made. */
    public int runOnce(Instant at) {
        Instant now = stored(at);
        while (fanOut(now) == FANOUT_BATCH) {
            // next batch
        }
        return deliverDue(now);
    }

    /** Makes every attempt due at {@code now}, waiting for each batch; returns how many were made. */
    public int deliverDue(Instant at) {
        Instant now = stored(at);
        int total = 0;
        while (true) {
            List<WebhookSender.Attempt> batch = claim(now, concurrency);
            List<WebhookSender.Result> results = new ArrayList<>(batch.size());
            batch.stream().map(sender::send).map(s -> s.toCompletableFuture()).toList()
                    .forEach(f -> results.add(f.join()));
            record(results, now);
            total += batch.size();
            if (batch.size() < concurrency) {
                return total;
            }
        }
    }

    /** Writes one delivery per matching endpoint for up to {@value #FANOUT_BATCH} undispatched messages. */
    public int fanOut(Instant at) {
        Instant now = stored(at);
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = em.createNativeQuery("SELECT id, type, subject, user_id, webhook_id FROM outbox "
                            + "WHERE dispatched_at IS NULL ORDER BY id FETCH FIRST " + FANOUT_BATCH
                            + " ROWS ONLY FOR UPDATE SKIP LOCKED")
                    .getResultList();
            if (rows.isEmpty()) {
                return 0;
            }
            List<WebhookEndpoint> endpoints = em.createQuery("from WebhookEndpoint e where e.enabled = true",
                    WebhookEndpoint.class).getResultList();
            List<Long> ids = new ArrayList<>(rows.size());
            for (Object[] row : rows) {
                long id = ((Number) row[0]).longValue();
                ids.add(id);
                String type = (String) row[1];
                String subject = (String) row[2];
                for (WebhookEndpoint endpoint : endpoints) {
                    if (endpoint.accepts(type, subject)) {
                        em.persist(newDelivery(id, endpoint.id, row[4] == null ? "msg_" + id : (String) row[4], type,
                                (String) row[3], subject, now));
                    }
                }
            }
            em.createNativeQuery("UPDATE outbox SET dispatched_at = ?1 WHERE id IN (?2)")
                    .setParameter(1, now).setParameter(2, ids).executeUpdate();
            return rows.size();
        });
    }

    /**
     * Times as the databases keep them (microseconds): a due time written from a nanosecond clock
     * would otherwise be rounded up past the {@code now} that wrote it.
     */
    private static Instant stored(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }

    private Delivery newDelivery(long messageId, String endpointId, String webhookId, String type, String userId,
                                 String subject, Instant now) {
        Delivery d = new Delivery();
        d.messageId = messageId;
        d.endpointId = endpointId;
        d.webhookId = webhookId;
        d.type = type;
        d.userId = userId;
        d.subject = subject;
        d.status = Delivery.PENDING;
        d.attempts = 0;
        d.attemptsLeft = retries.attempts();
        d.nextAttemptAt = now;
        d.createdAt = now;
        return d;
    }

    /** Claims up to {@code limit} due deliveries for one attempt each, under a lease. */
    List<WebhookSender.Attempt> claim(Instant now, int limit) {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Delivery> due = em.createNativeQuery("SELECT * FROM deliveries WHERE next_attempt_at <= ?1 "
                            + "ORDER BY next_attempt_at FETCH FIRST " + limit + " ROWS ONLY FOR UPDATE SKIP LOCKED",
                            Delivery.class)
                    .setParameter(1, now)
                    .getResultList();
            if (due.isEmpty()) {
                return List.<WebhookSender.Attempt>of();
            }
            Map<String, WebhookEndpoint> endpoints = endpoints(due.stream().map(d -> d.endpointId).distinct().toList());
            Map<Long, byte[]> bodies = bodies(due.stream().map(d -> d.messageId).toList());
            Instant signedAt = clock.instant();
            List<WebhookSender.Attempt> attempts = new ArrayList<>(due.size());
            for (Delivery d : due) {
                WebhookEndpoint endpoint = endpoints.get(d.endpointId);
                d.attempts++;
                d.lastAttemptAt = now;
                d.nextAttemptAt = now.plus(lease);
                attempts.add(new WebhookSender.Attempt(d.id, d.attempts, d.endpointId, d.webhookId, endpoint.url,
                        endpoint.signingSecrets(signedAt), bodies.get(d.messageId)));
            }
            return attempts;
        });
    }

    /** Records what the attempts came to, skipping deliveries that were deleted or claimed again since. */
    void record(List<WebhookSender.Result> results, Instant now) {
        if (results.isEmpty()) {
            return;
        }
        int[] counts = new int[3];
        QuarkusTransaction.requiringNew().run(() -> {
            Map<Long, Delivery> claimed = new HashMap<>();
            for (Delivery d : em.createQuery("from Delivery d where d.id in :ids", Delivery.class)
                    .setParameter("ids", results.stream().map(r -> r.attempt().deliveryId()).toList())
                    .setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList()) {
                claimed.put(d.id, d);
            }
            Map<String, WebhookEndpoint> endpoints = endpoints(claimed.values().stream().map(d -> d.endpointId)
                    .distinct().toList());
            Set<String> gone = new HashSet<>();
            for (WebhookSender.Result r : results) {
                Delivery d = claimed.get(r.attempt().deliveryId());
                if (d == null || d.attempts != r.attempt().attempt() || !Delivery.PENDING.equals(d.status)) {
                    continue;
                }
                em.persist(attemptRow(r));
                d.lastStatusCode = r.statusCode();
                d.lastError = r.error();
                d.lastDurationMs = r.durationMs();
                d.attemptsLeft--;
                WebhookEndpoint endpoint = endpoints.get(d.endpointId);
                if (r.delivered()) {
                    d.status = Delivery.DELIVERED;
                    d.deliveredAt = now;
                    d.nextAttemptAt = null;
                    counts[0]++;
                } else if (r.gone() || d.attemptsLeft <= 0) {
                    d.status = Delivery.FAILED;
                    d.nextAttemptAt = null;
                    if (r.gone()) {
                        gone.add(d.endpointId);
                    }
                    counts[2]++;
                } else {
                    // a disabled endpoint's deliveries wait (no next attempt) until it is enabled again
                    d.nextAttemptAt = endpoint == null || !endpoint.enabled || gone.contains(d.endpointId) ? null
                            : now.plus(retries.waitAfter(d.attempts, r.retryAfter()));
                    counts[1]++;
                }
            }
            for (String endpointId : gone) {
                disable(endpoints.get(endpointId), "the endpoint answered 410 Gone", now);
            }
        });
        delivered.increment(counts[0]);
        retried.increment(counts[1]);
        failed.increment(counts[2]);
        results.forEach(r -> attemptTime.record(Duration.ofMillis(r.durationMs())));
    }

    /** Turns an endpoint off; its waiting deliveries keep their place until it is enabled again. */
    void disable(WebhookEndpoint endpoint, String reason, Instant now) {
        if (endpoint == null || !endpoint.enabled) {
            return;
        }
        LOG.warnf("webhook endpoint %s (%s) disabled: %s", endpoint.id, endpoint.url, reason);
        endpoint.enabled = false;
        endpoint.disabledReason = reason;
        endpoint.updatedAt = now;
        em.createQuery("update Delivery d set d.nextAttemptAt = null where d.endpointId = :id and d.status = :pending")
                .setParameter("id", endpoint.id).setParameter("pending", Delivery.PENDING).executeUpdate();
    }

    private DeliveryAttempt attemptRow(WebhookSender.Result r) {
        DeliveryAttempt a = new DeliveryAttempt();
        a.deliveryId = r.attempt().deliveryId();
        a.attempt = r.attempt().attempt();
        a.startedAt = r.startedAt();
        a.statusCode = r.statusCode();
        a.error = r.error();
        a.durationMs = r.durationMs();
        return a;
    }

    private Map<String, WebhookEndpoint> endpoints(List<String> ids) {
        Map<String, WebhookEndpoint> byId = new HashMap<>();
        if (!ids.isEmpty()) {
            em.createQuery("from WebhookEndpoint e where e.id in :ids", WebhookEndpoint.class)
                    .setParameter("ids", ids).getResultList().forEach(e -> byId.put(e.id, e));
        }
        return byId;
    }

    private Map<Long, byte[]> bodies(List<Long> messageIds) {
        Map<Long, byte[]> byId = new HashMap<>();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT id, body FROM outbox WHERE id IN (?1)")
                .setParameter(1, messageIds).getResultList();
        for (Object[] row : rows) {
            byId.put(((Number) row[0]).longValue(), ((String) row[1]).getBytes(StandardCharsets.UTF_8));
        }
        return byId;
    }

    /**
     * The background loop: fans out, records finished attempts, and keeps up to
     * {@code milepost.webhooks.concurrency} attempts in flight, refilling when half have finished.
     */
    private void loop() {
        Instant lastPoll = Instant.MIN;
        while (running) {
            try {
                Instant now = stored(clock.instant());
                boolean poll = signal.takeOutboxWritten() || !now.isBefore(lastPoll.plus(pollInterval));
                if (poll) {
                    lastPoll = now;
                    while (fanOut(now) == FANOUT_BATCH) {
                        // next batch
                    }
                }
                recordFinished(now);
                int free = concurrency - inFlight.get();
                int claimed = 0;
                if (free >= Math.max(1, concurrency / 2)) {
                    List<WebhookSender.Attempt> attempts = claim(now, free);
                    claimed = attempts.size();
                    for (WebhookSender.Attempt a : attempts) {
                        inFlight.incrementAndGet();
                        sender.send(a).whenComplete((result, error) -> {
                            finished.add(result);
                            inFlight.decrementAndGet();
                            signal.wake();
                        });
                    }
                }
                if (claimed == free && claimed > 0) {
                    continue;
                }
                signal.await(untilNextWork(now));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("webhook dispatch failed; retrying after the poll interval", e);
                sleep();
            }
        }
        drainInFlight();
    }

    /**
     * How long the loop may sleep: with attempts in flight, until one finishes (it wakes the loop);
     * otherwise until the next due delivery (a retry, or a lease that runs out) or the next poll.
     */
    private Duration untilNextWork(Instant now) {
        if (inFlight.get() > 0) {
            return pollInterval;
        }
        Instant next = QuarkusTransaction.requiringNew().call(() -> em.createQuery(
                "select min(d.nextAttemptAt) from Delivery d", Instant.class).getSingleResult());
        if (next == null) {
            return pollInterval;
        }
        // at least a moment, so rows another instance has locked are not spun on
        Duration untilDue = Duration.between(now, next);
        return untilDue.compareTo(MIN_SLEEP) < 0 ? MIN_SLEEP : untilDue.compareTo(pollInterval) < 0 ? untilDue : pollInterval;
    }

    private void recordFinished(Instant now) {
        List<WebhookSender.Result> done = new ArrayList<>();
        for (WebhookSender.Result r; (r = finished.poll()) != null; ) {
            done.add(r);
        }
        record(done, now);
    }

    /** At shutdown: lets attempts in flight finish (up to the timeout) and records them. */
    private void drainInFlight() {
        long deadline = System.nanoTime() + lease.minusSeconds(LEASE_MARGIN_SECONDS).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                signal.await(Duration.ofMillis(100));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            recordFinished(clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("could not record the last webhook attempts; they will be retried after their lease", e);
        }
    }

    private void sleep() {
        try {
            Thread.sleep(pollInterval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
