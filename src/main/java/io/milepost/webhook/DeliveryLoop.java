package io.milepost.webhook;

import io.milepost.config.MilepostConfig;
import io.milepost.outbox.OutboxSignal;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The background delivery loop, one thread per instance. It keeps each endpoint's claimed
 * deliveries in a lane of their own: at most {@code endpoint-concurrency} of an endpoint's
 * attempts are in flight, at most {@code concurrency} in all, and lanes take turns for free slots,
 * so a slow or hanging endpoint holds only its own slots. It works in cycles of one transaction
 * ({@link Dispatcher#cycle}) that record what finished, claim due deliveries and fan out fresh
 * messages. A cycle starts when half of what is claimed has finished, when nothing is queued or in
 * flight, when the outbox has news and there is room, or when a finished attempt has waited
 * {@value #RECORD_DELAY_MS} ms to be recorded. Between cycles it sleeps until an attempt finishes,
 * a commit writes outbox messages, the next delivery is due, or the poll interval has passed.
 *
 * <p>An error in a cycle (the database away, or an {@link Error} such as running out of memory
 * elsewhere in the service) is logged, counted and retried after a back-off that doubles up to
 * {@value #MAX_BACKOFF_SECONDS} s; readiness reports the loop down while its cycles keep failing.
 * It catches {@link Throwable} on purpose: an error raised elsewhere must not end deliveries.
 * On shutdown it hands back unstarted attempts, lets those in flight finish (bounded by the
 * timeout) and records them.
 */
@ApplicationScoped
public class DeliveryLoop {
    private static final Logger LOG = Logger.getLogger(DeliveryLoop.class);
    static final long RECORD_DELAY_MS = 20;
    static final long MAX_BACKOFF_SECONDS = 30;
    private static final Duration MIN_SLEEP = Duration.ofMillis(10);
    private static final Duration PURGE_EVERY = Duration.ofMinutes(10);

    private final Dispatcher dispatcher;
    private final WebhookSender sender;
    private final OutboxSignal signal;
    private final DeliveryMetrics metrics;
    private final Clock clock;
    private final Duration pollInterval;
    private final Duration timeout;
    private final boolean background;

    private final Lanes lanes;
    private final ConcurrentLinkedQueue<WebhookSender.Result> finished = new ConcurrentLinkedQueue<>();
    private volatile boolean running;
    private volatile Thread thread;
    /** Failed cycles in a row, and the last one's error. */
    private volatile int failures;

    private volatile String lastError;

    public DeliveryLoop(
            Dispatcher dispatcher,
            WebhookSender sender,
            OutboxSignal signal,
            DeliveryMetrics metrics,
            Clock clock,
            MilepostConfig config,
            @ConfigProperty(name = "quarkus.scheduler.enabled", defaultValue = "true") boolean background) {
        this.dispatcher = dispatcher;
        this.sender = sender;
        this.signal = signal;
        this.metrics = metrics;
        this.clock = clock;
        this.pollInterval = config.webhooks().pollInterval();
        this.timeout = config.webhooks().timeout();
        this.background = background;
        this.lanes = new Lanes(dispatcher.concurrency(), dispatcher.endpointConcurrency());
    }

    void onStart(@Observes StartupEvent started) {
        if (background) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent stopping) throws InterruptedException {
        stop();
    }

    /** Starts the loop's thread (again, after {@link #stop()}). */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        failures = 0;
        thread = new Thread(this::run, "milepost-webhooks");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Stops the loop and waits for it: unstarted attempts are handed back at once, attempts in
     * flight finish (up to the timeout) and are recorded.
     */
    public synchronized void stop() throws InterruptedException {
        Thread t = thread;
        if (t == null) {
            return;
        }
        running = false;
        signal.wake();
        t.join(timeout.plusSeconds(5).toMillis());
        thread = null;
    }

    /** Whether the loop runs, and has not failed {@code maxFailures} cycles in a row. */
    Health health(int maxFailures) {
        Thread t = thread;
        if (!background) {
            return new Health(true, "not started in this profile");
        }
        if (t == null || !t.isAlive()) {
            return new Health(false, "the delivery loop is not running");
        }
        int failed = failures;
        if (failed >= maxFailures) {
            return new Health(false, failed + " delivery cycles in a row have failed, the last with " + lastError);
        }
        return new Health(true, failed == 0 ? "running" : "retrying after an error: " + lastError);
    }

    /** The loop's state for readiness. */
    record Health(boolean up, String detail) {}

    private void run() {
        Instant lastPoll = Instant.MIN;
        Instant lastPurge = Instant.MIN;
        long firstFinishedAt = 0;
        boolean outboxWaiting = false;
        Set<String> enabled = Set.of();
        while (running) {
            try {
                Instant now = clock.instant();
                if (signal.takeOutboxWritten() || !now.isBefore(lastPoll.plus(pollInterval))) {
                    lastPoll = now;
                    outboxWaiting = true;
                }
                int done = finished.size();
                if (done > 0 && firstFinishedAt == 0) {
                    firstFinishedAt = System.nanoTime();
                }
                boolean waitedLongEnough =
                        done > 0 && System.nanoTime() - firstFinishedAt >= RECORD_DELAY_MS * 1_000_000;
                boolean idle = lanes.idle();
                int claimed = lanes.claimed() + done;
                boolean room = lanes.room(enabled, dispatcher.endpointWindow(), dispatcher.window())
                        >= dispatcher.endpointWindow() / 2;
                if (idle || (done > 0 && done * 2 >= claimed) || waitedLongEnough || (outboxWaiting && room)) {
                    firstFinishedAt = 0;
                    List<WebhookSender.Result> results = takeFinished();
                    Map<String, Integer> outstanding = lanes.outstanding();
                    finished.forEach(r -> outstanding.merge(r.attempt().endpointId(), 1, Integer::sum));
                    int free = Math.max(0, dispatcher.window() - lanes.claimed() - finished.size());
                    Dispatcher.Cycle cycle;
                    try {
                        cycle = dispatcher.cycle(results, outstanding, free, outboxWaiting);
                    } catch (RuntimeException | Error e) {
                        finished.addAll(results); // recorded by the next cycle that succeeds
                        throw e;
                    }
                    enabled = cycle.enabledEndpoints();
                    lanes.add(cycle.claimed());
                    outboxWaiting = cycle.outboxFull();
                    startQueued();
                    failures = 0;
                    if (!now.isBefore(lastPurge.plus(PURGE_EVERY))) {
                        lastPurge = now;
                        dispatcher.purgeStatistics();
                    }
                    if (idle && (!cycle.claimed().isEmpty() || outboxWaiting)) {
                        continue; // more may be waiting
                    }
                } else {
                    startQueued();
                }
                Duration wait = !finished.isEmpty()
                        ? Duration.ofMillis(RECORD_DELAY_MS)
                        : outboxWaiting ? pollInterval : untilNextWork(now);
                // statistics counted but not written yet are written by a cycle soon, not after a long poll
                signal.await(
                        dispatcher.countsWaiting() && wait.compareTo(AttemptCounts.EVERY) > 0
                                ? AttemptCounts.EVERY
                                : wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Throwable e) {
                failures++;
                lastError = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                metrics.loopError();
                Duration backoff = backoff(failures);
                LOG.errorf(
                        io.milepost.common.LogSafe.redact(e),
                        "webhook delivery cycle failed (%d in a row); retrying in %s",
                        failures,
                        backoff);
                if (!pause(backoff)) {
                    break;
                }
            }
        }
        drain();
    }

    /** 100 ms after the first failure, doubling, at most {@value #MAX_BACKOFF_SECONDS} s. */
    static Duration backoff(int failures) {
        long ms = 100L << Math.min(Math.max(failures - 1, 0), 20);
        return Duration.ofMillis(Math.min(ms, TimeUnit.SECONDS.toMillis(MAX_BACKOFF_SECONDS)));
    }

    private boolean pause(Duration d) {
        try {
            signal.await(d); // a stop wakes it
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts queued attempts while the lanes' caps allow; called by the loop and by each attempt as it finishes. */
    private void startQueued() {
        for (WebhookSender.Attempt a; running && (a = lanes.next()) != null; ) {
            WebhookSender.Attempt attempt = a;
            try {
                sender.send(attempt).whenComplete((result, error) -> {
                    finished.add(
                            result != null
                                    ? result
                                    : new WebhookSender.Result(
                                            attempt,
                                            clock.instant(),
                                            null,
                                            WebhookSender.truncate(String.valueOf(error)),
                                            null,
                                            0));
                    lanes.finished(attempt);
                    if (running) {
                        startQueued();
                    }
                    signal.wake();
                });
            } catch (RuntimeException e) {
                finished.add(new WebhookSender.Result(
                        attempt, clock.instant(), null, WebhookSender.truncate(String.valueOf(e)), null, 0));
                lanes.finished(attempt);
            }
        }
    }

    private List<WebhookSender.Result> takeFinished() {
        List<WebhookSender.Result> done = new ArrayList<>();
        for (WebhookSender.Result r; (r = finished.poll()) != null; ) {
            done.add(r);
        }
        return done;
    }

    /**
     * How long the loop may sleep: with attempts in flight, until one finishes (it wakes the loop);
     * otherwise until the next due delivery (a retry, or a lease that runs out) or the next poll.
     */
    private Duration untilNextWork(Instant now) {
        if (!lanes.idle()) {
            return pollInterval;
        }
        Instant next = dispatcher.nextDue();
        if (next == null) {
            return pollInterval;
        }
        // at least a moment, so rows another instance has locked are not spun on
        Duration untilDue = Duration.between(now, next);
        return untilDue.compareTo(MIN_SLEEP) < 0
                ? MIN_SLEEP
                : untilDue.compareTo(pollInterval) < 0 ? untilDue : pollInterval;
    }

    /**
     * At shutdown: hands back claimed attempts that were not started, so any instance (this one
     * after a restart) makes them at once; lets attempts in flight finish, up to the timeout, and
     * records every finished one.
     */
    private void drain() {
        try {
            dispatcher.release(lanes.takeQueued().stream()
                    .map(WebhookSender.Attempt::deliveryId)
                    .toList());
        } catch (RuntimeException e) {
            LOG.warn(
                    "could not hand back unstarted webhook attempts; they will be made after their lease",
                    io.milepost.common.LogSafe.redact(e));
            LOG.debug("webhook delivery loop", e);
        }
        long deadline = System.nanoTime() + timeout.plusMillis(500).toNanos();
        while (lanes.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                signal.await(Duration.ofMillis(50));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            List<WebhookSender.Result> results = takeFinished();
            dispatcher.record(results);
            LOG.infof(
                    "webhook delivery stopped: %d attempts recorded, %d still in flight",
                    results.size(), lanes.inFlight());
        } catch (RuntimeException e) {
            LOG.warn(
                    "could not record the last webhook attempts; they will be retried after their lease",
                    io.milepost.common.LogSafe.redact(e));
            LOG.debug("webhook delivery loop", e);
        }
    }

    /**
     * Claimed attempts by endpoint: queued, and the number in flight. Guarded by its own monitor;
     * the loop adds, the loop and finishing attempts take.
     */
    static final class Lanes {
        private final int concurrency;
        private final int endpointConcurrency;
        private final Map<String, ArrayDeque<WebhookSender.Attempt>> queued = new LinkedHashMap<>();
        private final Map<String, Integer> flying = new HashMap<>();
        private int queuedTotal;
        private int inFlight;
        /** The endpoint that starts first next time: lanes take turns. */
        private int turn;

        Lanes(int concurrency, int endpointConcurrency) {
            this.concurrency = concurrency;
            this.endpointConcurrency = endpointConcurrency;
        }

        synchronized void add(List<WebhookSender.Attempt> attempts) {
            for (WebhookSender.Attempt a : attempts) {
                queued.computeIfAbsent(a.endpointId(), k -> new ArrayDeque<>()).add(a);
                queuedTotal++;
            }
        }

        /** The next attempt to start, counted in flight, or null when none may start now. */
        synchronized WebhookSender.Attempt next() {
            if (inFlight >= concurrency || queuedTotal == 0) {
                return null;
            }
            List<String> ids = new ArrayList<>(queued.keySet());
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get((turn + i) % ids.size());
                ArrayDeque<WebhookSender.Attempt> lane = queued.get(id);
                if (lane.isEmpty() || flying.getOrDefault(id, 0) >= endpointConcurrency) {
                    continue;
                }
                turn = (turn + i + 1) % ids.size();
                WebhookSender.Attempt a = lane.poll();
                if (lane.isEmpty()) {
                    queued.remove(id);
                }
                queuedTotal--;
                inFlight++;
                flying.merge(id, 1, Integer::sum);
                return a;
            }
            return null;
        }

        synchronized void finished(WebhookSender.Attempt a) {
            inFlight--;
            if (flying.merge(a.endpointId(), -1, Integer::sum) <= 0) {
                flying.remove(a.endpointId());
            }
        }

        synchronized boolean idle() {
            return queuedTotal == 0 && inFlight == 0;
        }

        synchronized int inFlight() {
            return inFlight;
        }

        /** Queued and in flight, in all. */
        synchronized int claimed() {
            return queuedTotal + inFlight;
        }

        /** Queued and in flight, by endpoint. */
        synchronized Map<String, Integer> outstanding() {
            Map<String, Integer> out = new HashMap<>(flying);
            queued.forEach((id, lane) -> out.merge(id, lane.size(), Integer::sum));
            return out;
        }

        /** The most that one of the {@code enabled} endpoints could still claim, within the instance's window. */
        synchronized int room(Set<String> enabled, int endpointWindow, int window) {
            int best = enabled.isEmpty() ? endpointWindow : 0;
            for (String id : enabled) {
                ArrayDeque<WebhookSender.Attempt> lane = queued.get(id);
                int out = flying.getOrDefault(id, 0) + (lane == null ? 0 : lane.size());
                best = Math.max(best, endpointWindow - out);
            }
            return Math.min(best, window - queuedTotal - inFlight);
        }

        synchronized List<WebhookSender.Attempt> takeQueued() {
            List<WebhookSender.Attempt> all = new ArrayList<>();
            queued.values().forEach(all::addAll);
            queued.clear();
            queuedTotal = 0;
            return all;
        }
    }
}
