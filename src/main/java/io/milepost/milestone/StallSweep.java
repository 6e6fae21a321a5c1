package io.milepost.milestone;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.milepost.common.LogSafe;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.engine.Windows;
import io.milepost.rules.RuleSet;
import io.milepost.store.RowWriter;
import io.milepost.store.UserStateStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * Finds users whose milestone windows have closed and records each stall once: claims due users
 * ({@code next_check_at <= now}) in batches with {@code FOR UPDATE SKIP LOCKED}, so several
 * instances split the work, records the stalls with their outbox messages, evaluates the user
 * with the new {@code Stalled} facts (reactive rules), and moves {@code next_check_at} on. A claim
 * is a row lock in an open transaction: if its instance dies, the database ends the transaction
 * and the users are due again for the next sweep.
 */
@ApplicationScoped
public class StallSweep {
    private static final Logger LOG = Logger.getLogger(StallSweep.class);
    public static final int BATCH = 500;
    /** Upper bound of batches in one sweep, so one run cannot spin forever. */
    static final int MAX_BATCHES = 10_000;

    private final UserStateStore store;
    private final RowWriter rows;
    private final OutcomeRecorder recorder;
    private final RuleSet rules;
    private final JourneyEngine engine;
    private final Clock clock;
    private final Timer latency;
    private final int workers;
    private final ExecutorService pool;

    public StallSweep(
            UserStateStore store,
            RowWriter rows,
            OutcomeRecorder recorder,
            RuleSet rules,
            MilepostConfig config,
            JourneyEngine engine,
            Clock clock,
            MeterRegistry metrics) {
        this.store = store;
        this.rows = rows;
        this.recorder = recorder;
        this.rules = rules;
        this.engine = engine;
        this.clock = clock;
        this.workers = Math.max(1, config.scheduler().workers());
        this.pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "milepost-stall-sweep");
            t.setDaemon(true);
            return t;
        });
        this.latency = Timer.builder("milepost.stall.latency")
                .description("time from a window's close to its stall being recorded")
                .publishPercentiles(0.5, 0.9, 0.99)
                .register(metrics);
    }

    @Scheduled(
            identity = "milepost-stall-sweep",
            every = "${milepost.scheduler.interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            sweep(clock.instant());
        } catch (RuntimeException e) {
            LOG.error("stall sweep failed; the users stay due for the next sweep", LogSafe.redact(e));
            LOG.debug("stall sweep failed", e);
        }
    }

    /**
     * Processes every user due at {@code now}, with {@code milepost.scheduler.workers} workers
     * claiming batches side by side; returns how many users were looked at.
     */
    public int sweep(Instant now) {
        if (rules.current() == null) {
            return 0;
        }
        if (workers == 1) {
            return drain(now);
        }
        List<Future<Integer>> running = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            running.add(pool.submit(() -> drain(now)));
        }
        int total = 0;
        for (Future<Integer> f : running) {
            try {
                total += f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("stall sweep interrupted", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
        return total;
    }

    /** Claims and processes batches until none is due. */
    private int drain(Instant now) {
        int total = 0;
        for (int batch = 0; batch < MAX_BATCHES; batch++) {
            int claimed = QuarkusTransaction.requiringNew().call(() -> sweepBatch(now));
            total += claimed;
            if (claimed < BATCH) {
                break;
            }
        }
        return total;
    }

    @PreDestroy
    void stop() {
        pool.shutdownNow();
    }

    private int sweepBatch(Instant now) {
        Map<String, UserStateStore.Loaded> users = store.claimDue(now, BATCH);
        if (users.isEmpty()) {
            return 0;
        }
        RuleBook book = rules.current();
        Instant recordedAt = clock.instant();
        for (UserStateStore.Loaded loaded : users.values()) {
            UserState state = loaded.state();
            Instant lastSeenOpen = loaded.updatedAt();
            // each closed window evaluated at its own close (an action answering a stall weeks old is not
            // news: it is recorded as stale), then the user as they are now, for @repeat actions
            Outcomes closed = engine.advanceTo(book, state, now);
            for (Outcomes.Stall stall : closed.stalls) {
                // Latency only means something for windows that closed while we were watching,
                // not for histories imported with long-closed windows.
                if (stall.since().isAfter(lastSeenOpen)) {
                    latency.record(Duration.between(stall.since(), recordedAt));
                }
            }
            String stage = recorder.record(book, state, loaded.stage(), closed, recordedAt);
            Outcomes outcomes = engine.evaluateAt(book, state, now, List.of());
            stage = recorder.record(book, state, stage, outcomes, recordedAt);
            store.saveStage(loaded, stage, Windows.nextCheck(book, state, now), recordedAt);
        }
        rows.flush();
        return users.size();
    }
}
