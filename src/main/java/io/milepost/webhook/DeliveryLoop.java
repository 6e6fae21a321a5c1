package io.milepost.webhook;

import io.milepost.action.OutboxSignal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The dispatcher's background loop, one thread per instance. It holds a window of up to
 * {@value Dispatcher#WINDOW_PER_SLOT} x {@code milepost.webhooks.concurrency} claimed deliveries
 * (queued, in flight, or finished and not yet recorded), keeps {@code concurrency} attempts in
 * flight, and works in cycles of one transaction ({@link Dispatcher#cycle}) that records the
 * finished attempts, claims due deliveries and fans out fresh messages. A cycle starts when half
 * the window has finished, when nothing is queued or in flight, when the outbox has news and the
 * window room, or when a finished attempt has waited {@value Dispatcher#RECORD_DELAY_MS} ms to be
 * recorded. It sleeps until an attempt finishes, a commit writes outbox messages, the next
 * delivery is due, or the poll interval has passed.
 */
final class DeliveryLoop implements Runnable {
    private static final Logger LOG = Logger.getLogger(DeliveryLoop.class);
    private static final Duration MIN_SLEEP = Duration.ofMillis(10);

    private final Dispatcher dispatcher;
    private final WebhookSender sender;
    private final OutboxSignal signal;
    private final Clock clock;
    private final int concurrency;
    private final int window;
    private final Duration pollInterval;
    private final Duration timeout;
    /** Claimed attempts not started yet: the loop adds, the loop and finishing attempts take. */
    private final ConcurrentLinkedQueue<WebhookSender.Attempt> queued = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<WebhookSender.Result> finished = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    DeliveryLoop(Dispatcher dispatcher, WebhookSender sender, OutboxSignal signal, Clock clock, int concurrency,
                 Duration pollInterval, Duration timeout) {
        this.dispatcher = dispatcher;
        this.sender = sender;
        this.signal = signal;
        this.clock = clock;
        this.concurrency = concurrency;
        this.window = Dispatcher.WINDOW_PER_SLOT * concurrency;
        this.pollInterval = pollInterval;
        this.timeout = timeout;
    }

    /** Asks the loop to finish: it hands back unstarted attempts and records those in flight. */
    void stop() {
        running = false;
        signal.wake();
    }

    @Override
    public void run() {
        Instant lastPoll = Instant.MIN;
        long firstFinishedAt = 0;
        boolean outboxWaiting = false;
        while (running) {
            try {
                Instant now = Dispatcher.stored(clock.instant());
                if (signal.takeOutboxWritten() || !now.isBefore(lastPoll.plus(pollInterval))) {
                    lastPoll = now;
                    outboxWaiting = true;
                }
                int done = finished.size();
                if (done > 0 && firstFinishedAt == 0) {
                    firstFinishedAt = System.nanoTime();
                }
                boolean waitedLongEnough = done > 0
                        && System.nanoTime() - firstFinishedAt >= Dispatcher.RECORD_DELAY_MS * 1_000_000;
                boolean idle = queued.isEmpty() && inFlight.get() == 0;
                if (idle || done >= window / 2 || waitedLongEnough || (outboxWaiting && room() >= window / 2)) {
                    firstFinishedAt = 0;
                    List<WebhookSender.Result> results = takeFinished();
                    Dispatcher.Cycle cycle = dispatcher.cycle(now, results, room(), outboxWaiting);
                    queued.addAll(cycle.claimed());
                    outboxWaiting = cycle.outboxFull();
                    startQueued();
                    if (idle && (!cycle.claimed().isEmpty() || outboxWaiting)) {
                        continue; // more may be waiting
                    }
                } else {
                    startQueued();
                }
                signal.await(!finished.isEmpty() ? Duration.ofMillis(Dispatcher.RECORD_DELAY_MS)
                        : outboxWaiting ? pollInterval : untilNextWork(now));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("webhook dispatch failed; retrying after the poll interval", io.milepost.common.LogSafe.redact(e));
                LOG.debug("webhook delivery loop", e);
                sleep();
            }
        }
        releaseQueued();
        drainInFlight();
    }

    /** How many more deliveries the window can hold. */
    private int room() {
        return Math.max(0, window - queued.size() - inFlight.get() - finished.size());
    }

    /**
     * Starts queued attempts while fewer than {@code concurrency} are in flight. Called by the loop
     * after a cycle and by each attempt as it finishes, so sending goes on while the loop's thread
     * waits on the database. An attempt is counted in flight before it leaves the queue and as
     * finished before it leaves the flight, so {@link #room()} may count one twice, never zero times.
     */
    private void startQueued() {
        while (true) {
            int flying = inFlight.get();
            if (flying >= concurrency) {
                return;
            }
            if (!inFlight.compareAndSet(flying, flying + 1)) {
                continue;
            }
            WebhookSender.Attempt a = queued.poll();
            if (a == null) {
                inFlight.decrementAndGet();
                return;
            }
            sender.send(a).whenComplete((result, error) -> {
                finished.add(result);
                inFlight.decrementAndGet();
                if (running) {
                    startQueued();
                }
                signal.wake();
            });
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
        if (inFlight.get() > 0) {
            return pollInterval;
        }
        Instant next = dispatcher.nextDue();
        if (next == null) {
            return pollInterval;
        }
        // at least a moment, so rows another instance has locked are not spun on
        Duration untilDue = Duration.between(now, next);
        return untilDue.compareTo(MIN_SLEEP) < 0 ? MIN_SLEEP : untilDue.compareTo(pollInterval) < 0 ? untilDue : pollInterval;
    }

    /** At shutdown: hands back claimed attempts that were not started, so any instance can make them at once. */
    private void releaseQueued() {
        // one at a time: an attempt finishing now may still take one to start it
        List<Long> ids = new ArrayList<>();
        for (WebhookSender.Attempt a; (a = queued.poll()) != null; ) {
            ids.add(a.deliveryId());
        }
        try {
            dispatcher.release(ids, Dispatcher.stored(clock.instant()));
        } catch (RuntimeException e) {
            LOG.warn("could not hand back unstarted webhook attempts; they will be made after their lease", io.milepost.common.LogSafe.redact(e));
            LOG.debug("webhook delivery loop", e);
        }
    }

    /** At shutdown: lets attempts in flight finish (up to the timeout) and records them. */
    private void drainInFlight() {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                signal.await(Duration.ofMillis(100));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            dispatcher.record(takeFinished(), Dispatcher.stored(clock.instant()));
        } catch (RuntimeException e) {
            LOG.warn("could not record the last webhook attempts; they will be retried after their lease", io.milepost.common.LogSafe.redact(e));
            LOG.debug("webhook delivery loop", e);
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
