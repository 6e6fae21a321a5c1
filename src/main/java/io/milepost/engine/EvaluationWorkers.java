package io.milepost.engine;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Runs rule evaluations on worker threads so that the caller can give up on one at its deadline
 * (see docs/adr/0008-evaluation-deadline.md). The caller waits at most the deadline, then records
 * the failure and goes on (committing, so the user's row lock is released); the abandoned
 * evaluation is stopped: cooperatively between rule firings, and otherwise (a loop inside one
 * consequence, a regular expression that backtracks, a deep library call) by stopping its thread
 * after a short grace. A thread whose evaluation was abandoned runs no other evaluation: it ends
 * after that one, so a stop that arrives late can only hit the thread it was meant for.
 *
 * <p>Shared by every {@link JourneyEngine} (the service's, dry runs', scenario tests').
 */
final class EvaluationWorkers {
    private static final Logger LOG = Logger.getLogger(EvaluationWorkers.class);
    /** How long an abandoned evaluation gets to end by itself (between firings) before its thread is stopped. */
    static final Duration GRACE = Duration.ofMillis(100);

    static final EvaluationWorkers SHARED = new EvaluationWorkers();

    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService reaper;
    /** Abandoned evaluations, until their threads have ended. */
    private final Set<Task<?>> abandoned = ConcurrentHashMap.newKeySet();

    private final AtomicLong stopped = new AtomicLong();

    private EvaluationWorkers() {
        AtomicInteger n = new AtomicInteger();
        // Unbounded: a worker busy with an abandoned evaluation must never make others wait for a thread.
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "milepost-rules-" + n.incrementAndGet());
            t.setDaemon(true);
            // a retired or stopped worker ends with an Error on purpose; it is not news
            t.setUncaughtExceptionHandler((thread, e) -> {
                if (!(e instanceof Retired) && !(e instanceof ThreadDeath)) {
                    LOG.error("rule evaluation worker ended unexpectedly", e);
                }
            });
            return t;
        });
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "milepost-rules-reaper");
            t.setDaemon(true);
            return t;
        });
    }

    /** How an evaluation ended: its value, what it threw, or abandoned at the deadline. */
    record Ending<T>(T value, Throwable thrown, boolean abandoned) {}

    /**
     * Runs {@code work} and waits for it at most {@code limit}. Whatever it throws (errors such as
     * {@code StackOverflowError} included) comes back as {@link Ending#thrown()}.
     */
    <T> Ending<T> run(Callable<T> work, Duration limit) {
        Task<T> task = new Task<>(work);
        pool.execute(task);
        try {
            return new Ending<>(task.get(limit.toNanos(), TimeUnit.NANOSECONDS), null, false);
        } catch (ExecutionException e) {
            return new Ending<>(null, e.getCause(), false);
        } catch (TimeoutException e) {
            abandon(task);
            return new Ending<>(null, null, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(task);
            return new Ending<>(null, e, false);
        }
    }

    /** Abandoned evaluations whose threads have not ended yet (for operators and tests). */
    int stillRunningAbandoned() {
        abandoned.removeIf(t -> t.thread == null ? t.isDone() : !t.thread.isAlive());
        return abandoned.size();
    }

    /** How many worker threads had to be stopped. */
    long stoppedThreads() {
        return stopped.get();
    }

    private void abandon(Task<?> task) {
        synchronized (task) {
            if (task.finished) {
                return;
            }
            task.abandoned = true;
        }
        abandoned.add(task);
        reaper.schedule(() -> stop(task), GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @SuppressWarnings("removal")
    private void stop(Task<?> task) {
        synchronized (task) {
            if (task.finished) {
                return;
            }
            if (task.thread == null) {
                // never started (a busy machine): it will not start now
                task.cancel(false);
                return;
            }
            try {
                // Rule code cannot be made to check a flag everywhere (a regular expression backtracking
                // inside the JDK never looks), so the thread is stopped. It belongs to this evaluation only.
                task.thread.stop();
                stopped.incrementAndGet();
            } catch (UnsupportedOperationException e) {
                // Java 20 and later: Thread.stop is gone; the thread runs until its code ends
                LOG.warnf(
                        "an abandoned rule evaluation cannot be stopped on this Java version; thread %s keeps "
                                + "running until its rule code ends",
                        task.thread.getName());
            }
        }
    }

    /** A thread that ran an abandoned evaluation ends instead of taking the next one. */
    private static final class Retired extends Error {
        Retired() {
            super("retired after an abandoned evaluation", null, false, false);
        }
    }

    private final class Task<T> extends FutureTask<T> {
        volatile Thread thread;
        boolean finished;
        boolean abandoned;

        Task(Callable<T> work) {
            super(work);
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            try {
                super.run();
            } finally {
                boolean retire;
                synchronized (this) {
                    finished = true;
                    retire = abandoned;
                }
                if (retire) {
                    throw new Retired();
                }
            }
        }
    }
}
