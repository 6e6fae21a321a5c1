package io.milepost.replay;

import io.milepost.common.LogSafe;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.RuleBook;
import io.milepost.milestone.OutcomeRecorder.Sending;
import io.milepost.rules.RuleSet;
import io.milepost.store.EventLog;
import io.milepost.store.JobEntity;
import io.milepost.store.JobRepository;
import io.milepost.store.RowWriter;
import io.milepost.store.UserStateStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Runs replay jobs: claims a job nobody holds and works through its users in id order, one batch
 * per transaction, until none is left.
 *
 * <p>Claim, lease and batches. The job row is the claim: an instance takes a job that is queued, or
 * running with an expired lease, with {@code SELECT … FOR UPDATE SKIP LOCKED}, and writes its own id
 * as {@code owner} with a lease ({@code milepost.replay.lease}). Each batch then runs in one
 * transaction that first locks the job row ({@code SELECT … FOR UPDATE}) and checks that the
 * instance still owns it, reads the cursor, replays the next users after it, and writes the new
 * cursor, the counts and a renewed lease in the same commit as the users' records. So:
 * <ul>
 *   <li>no batch runs twice: a second instance waits on the row lock and then reads the moved
 *       cursor; the cursor moves if and only if the batch's records commit;</li>
 *   <li>an instance that dies (kill, crash, lost connection) loses its transaction, so its batch
 *       never happened, and stops renewing the lease; when the lease runs out, the next instance to
 *       look (or this one after a restart) claims the job and resumes from the cursor;</li>
 *   <li>an instance that stalls past its lease and was replaced finds another owner at its next
 *       batch and stops.</li>
 * </ul>
 * The lease only decides who drives a job; correctness rests on the row lock and the cursor, so a
 * lease that runs out mid-batch (a slow batch, a clock skew between instances) costs no double work.
 * Row locks need no clock and survive no crash; a lease alone could not tell a slow owner from a
 * dead one. On a clean shutdown the lease is given back, so the next start resumes the job at its
 * first look instead of waiting for the lease to run out.
 *
 * <p>A batch whose transaction fails (a database error) is gone through again one user per
 * transaction, so that only the user whose records cannot be written is counted as failed.
 */
@ApplicationScoped
public class ReplayRunner {
    private static final Logger LOG = Logger.getLogger(ReplayRunner.class);

    /** What a batch left the job in. */
    enum Step {
        /** More users may follow. */
        CONTINUE,
        /** The job ended (succeeded or failed). */
        ENDED,
        /** Another instance owns the job now, or it is gone: stop working on it. */
        LOST
    }

    private final EntityManager em;
    private final RowWriter rows;
    private final ReplayJobs jobs;
    private final JobRepository jobRows;
    private final UserReplay replay;
    private final UserStateStore store;
    private final EventLog log;
    private final RuleSet rules;
    private final Clock clock;
    private final int batchSize;
    private final Duration lease;
    /** This instance, as a job's owner. */
    private final String instance = System.getenv().getOrDefault("HOSTNAME", "milepost") + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    /** One thread of this instance drives jobs at a time; the others wait or skip. */
    private final ReentrantLock driving = new ReentrantLock();

    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "milepost-replay");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;
    /** Impact previews' compiled drafts, by job id, while this instance drives them. */
    private final Map<String, RuleBook> drafts = new java.util.concurrent.ConcurrentHashMap<>();

    private final io.milepost.engine.JourneyEngine engine;

    public ReplayRunner(
            EntityManager em,
            ReplayJobs jobs,
            UserReplay replay,
            UserStateStore store,
            RowWriter rows,
            EventLog log,
            RuleSet rules,
            Clock clock,
            MilepostConfig config,
            JobRepository jobRows,
            io.milepost.engine.JourneyEngine engine) {
        this.em = em;
        this.jobRows = jobRows;
        this.rows = rows;
        this.jobs = jobs;
        this.replay = replay;
        this.store = store;
        this.log = log;
        this.rules = rules;
        this.clock = clock;
        this.batchSize = Math.max(1, config.replay().batchSize());
        this.lease = config.replay().lease();
        this.engine = engine;
    }

    /** Picks up jobs left by instances that stopped (and queued ones), if this instance is not busy with one. */
    @Scheduled(
            identity = "milepost-replay",
            every = "${milepost.scheduler.interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (!driving.tryLock()) {
            return;
        }
        try {
            drain();
        } catch (RuntimeException e) {
            LOG.error("replay runner failed; unfinished jobs are resumed when their lease runs out", LogSafe.redact(e));
        } finally {
            driving.unlock();
        }
    }

    /** Runs queued jobs on a background thread now (after {@code POST /v1/replay}), rather than at the next schedule. */
    void startInBackground() {
        background.submit(() -> {
            try {
                runAvailable();
            } catch (RuntimeException e) {
                LOG.error(
                        "replay runner failed; unfinished jobs are resumed when their lease runs out",
                        LogSafe.redact(e));
            }
        });
    }

    /**
     * Claims and runs, on the calling thread, every job nobody holds, until none is left; returns
     * how many it ran. Waits first for another thread of this instance that is running one.
     */
    public int runAvailable() {
        driving.lock();
        try {
            return drain();
        } finally {
            driving.unlock();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        background.shutdown();
        try {
            background.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int drain() {
        int ran = 0;
        for (Optional<String> job = claim(instance); job.isPresent() && !stopping; job = claim(instance)) {
            run(job.get(), instance);
            ran++;
        }
        return ran;
    }

    /** Takes a job that is queued, or running with an expired lease, for {@code owner}. */
    Optional<String> claim(String owner) {
        return inTransaction(() -> {
            Instant now = clock.instant();
            JobEntity job = jobRows.claimable(
                            List.of(ReplayJobs.TYPE, ReplayJobs.IMPACT),
                            List.of(ReplayJobs.QUEUED, ReplayJobs.RUNNING),
                            now)
                    .orElse(null);
            if (job == null) {
                return Optional.empty();
            }
            if (ReplayJobs.RUNNING.equals(job.status)) {
                LOG.infof(
                        "replay job %s: resuming after user %s (lease of %s ran out)",
                        job.id, job.lastUserId, job.owner);
            }
            job.status = ReplayJobs.RUNNING;
            job.owner = owner;
            job.leaseUntil = now.plus(lease);
            job.startedAt = job.startedAt == null ? now : job.startedAt;
            return Optional.of(job.id);
        });
    }

    /** Works through the job's users until it ends, another instance takes it, or this one stops. */
    void run(String jobId, String owner) {
        try {
            Step step = Step.CONTINUE;
            while (step == Step.CONTINUE && !stopping) {
                step = step(jobId, owner);
            }
            if (step == Step.CONTINUE) {
                release(jobId, owner);
            }
        } catch (RuntimeException e) {
            LOG.errorf(LogSafe.redact(e), "replay job %s failed", jobId);
            LOG.debugf(e, "replay job %s failed", jobId);
            inTransaction(() -> {
                JobEntity job = lockOwned(jobId, owner);
                if (job != null) {
                    jobs.end(
                            job,
                            ReplayJobs.FAILED,
                            clock.instant(),
                            e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                return null;
            });
        }
    }

    /** One batch; if its transaction fails, the same users one per transaction, so that only the culprit fails. */
    Step step(String jobId, String owner) {
        try {
            return inTransaction(() -> batch(jobId, owner, batchSize));
        } catch (RuntimeException e) {
            LOG.warnf(
                    "replay job %s: a batch failed (%s); going through its users one at a time",
                    jobId, e.getClass().getName());
            LOG.debugf("replay job %s: the batch failed: %s", jobId, e.getMessage());
        }
        for (int i = 0; i < batchSize; i++) {
            Step step;
            try {
                step = inTransaction(() -> batch(jobId, owner, 1));
            } catch (RuntimeException e) {
                step = inTransaction(() -> skipNextUser(jobId, owner, e));
            }
            if (step != Step.CONTINUE) {
                return step;
            }
        }
        return Step.CONTINUE;
    }

    /** Replays the next {@code size} users after the job's cursor; must run in a transaction. */
    Step batch(String jobId, String owner, int size) {
        long started = System.nanoTime();
        JobEntity job = lockOwned(jobId, owner);
        if (job == null) {
            return Step.LOST;
        }
        Instant now = clock.instant();
        if (ReplayJobs.IMPACT.equals(job.type)) {
            return impactBatch(job, size, now, started);
        }
        RuleBook book = rules.current();
        if (book == null) {
            jobs.end(job, ReplayJobs.FAILED, now, "no rules are loaded");
            return Step.ENDED;
        }
        List<String> ids = nextUsers(job, size);
        if (ids.isEmpty()) {
            jobs.end(job, ReplayJobs.SUCCEEDED, now, null);
            LOG.infof(
                    "replay job %s succeeded: %d users, %d milestones added, %d failures",
                    job.id, job.doneUsers, job.milestonesAdded, job.failures);
            return Step.ENDED;
        }
        Map<String, UserStateStore.Loaded> users = store.lockAndLoad(ids);
        Map<String, List<EventLog.Stored>> events = log.load(ids);
        Sending sending = job.fireActions ? Sending.LIVE : Sending.SILENT;
        UserReplay.Tally tally = UserReplay.Tally.NONE;
        List<JobView.JobError> errors = new ArrayList<>();
        for (String id : ids) {
            UserStateStore.Loaded user = users.get(id);
            if (!user.exists()) {
                continue; // erased since its id was read
            }
            try {
                tally = tally.plus(replay.replay(book, user, events.getOrDefault(id, List.of()), sending, now));
            } catch (RuntimeException e) {
                LOG.warnf(
                        "replay job %s: a user failed (%s; the job's errors name them)",
                        job.id, e.getClass().getName());
                LOG.debugf("replay job %s: user %s failed: %s", job.id, id, e.getMessage());
                errors.add(new JobView.JobError(id, message(e)));
            }
        }
        rows.flush(); // the batch's writes count in its time
        jobs.advance(
                job,
                ids.get(ids.size() - 1),
                ids.size(),
                tally,
                errors,
                book.version(),
                clock.instant().plus(lease),
                (System.nanoTime() - started) / 1_000_000);
        return Step.CONTINUE;
    }

    /**
     * The next users of an impact preview, rebuilt from their events under the job's drafts: adds
     * what changes to the job's findings and writes nothing else. The drafts are compiled once per
     * job on this instance (again after a restart or on another instance, against the folder as it
     * is then).
     */
    private Step impactBatch(JobEntity job, int size, Instant now, long started) {
        long left = job.totalUsers - job.doneUsers;
        List<String> ids = left <= 0 ? List.of() : nextUsers(job, (int) Math.min(size, left));
        if (ids.isEmpty()) {
            jobs.end(job, ReplayJobs.SUCCEEDED, now, null);
            drafts.remove(job.id);
            return Step.ENDED;
        }
        RuleBook book = drafts.computeIfAbsent(job.id, id -> {
            ReplayJobs.Drafts d = jobs.drafts(job);
            io.milepost.rules.RuleCompiler.Result r = rules.compileDraft(d.files(), d.alone());
            return r.ok() ? r.book() : null;
        });
        if (book == null) {
            drafts.remove(job.id);
            jobs.end(
                    job,
                    ReplayJobs.FAILED,
                    now,
                    "the draft rules no longer compile with the rules folder as it is now");
            return Step.ENDED;
        }
        Map<String, UserStateStore.Loaded> users = store.lockAndLoad(ids);
        Map<String, List<EventLog.Stored>> events = log.load(ids);
        Impact found = Impact.NONE;
        List<JobView.JobError> errors = new ArrayList<>();
        for (String id : ids) {
            UserStateStore.Loaded user = users.get(id);
            if (!user.exists()) {
                continue;
            }
            try {
                found = found.plus(Impact.of(
                        engine,
                        book,
                        user.state(),
                        events.getOrDefault(id, List.of()).stream()
                                .map(log::input)
                                .toList(),
                        now));
            } catch (RuntimeException e) {
                errors.add(new JobView.JobError(id, e instanceof Impact.Failed ? e.getMessage() : message(e)));
            }
        }
        jobs.addImpact(job, found);
        jobs.advance(
                job,
                ids.get(ids.size() - 1),
                ids.size(),
                UserReplay.Tally.NONE,
                errors,
                job.rulesVersion,
                clock.instant().plus(lease),
                (System.nanoTime() - started) / 1_000_000);
        return Step.CONTINUE;
    }

    /** Moves the cursor past the next user, counting them as failed with {@code cause}. */
    private Step skipNextUser(String jobId, String owner, RuntimeException cause) {
        JobEntity job = lockOwned(jobId, owner);
        if (job == null) {
            return Step.LOST;
        }
        List<String> next = nextUsers(job, 1);
        if (next.isEmpty()) {
            return Step.CONTINUE; // the next batch ends the job
        }
        LOG.warnf(LogSafe.redact(cause), "replay job %s: a user failed (the job's errors name them)", job.id);
        LOG.debugf(cause, "replay job %s: user %s failed", job.id, next.get(0));
        jobs.advance(
                job,
                next.get(0),
                1,
                UserReplay.Tally.NONE,
                List.of(new JobView.JobError(next.get(0), message(cause))),
                job.rulesVersion,
                clock.instant().plus(lease),
                0);
        return Step.CONTINUE;
    }

    /** Gives the job back (a clean shutdown) so that the next instance to look resumes it at once. */
    private void release(String jobId, String owner) {
        inTransaction(() -> {
            JobEntity job = lockOwned(jobId, owner);
            if (job != null) {
                job.owner = null;
                job.leaseUntil = null;
                LOG.infof("replay job %s: stopped after user %s; it resumes at the next start", job.id, job.lastUserId);
            }
            return null;
        });
    }

    /** The job row, locked, if it is running and {@code owner} holds it; else null. */
    private JobEntity lockOwned(String jobId, String owner) {
        JobEntity job = jobRows.locked(jobId).orElse(null);
        return job != null && ReplayJobs.RUNNING.equals(job.status) && owner.equals(job.owner) ? job : null;
    }

    private List<String> nextUsers(JobEntity job, int size) {
        @SuppressWarnings("unchecked")
        List<String> ids = em.createNativeQuery("SELECT id FROM users WHERE id > ?1 ORDER BY id")
                .setParameter(1, job.lastUserId == null ? "" : job.lastUserId)
                .setMaxResults(size)
                .getResultList();
        return ids;
    }

    private static String message(RuntimeException e) {
        String m = e instanceof UserReplay.RuleFailure
                ? e.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return m.length() > 1000 ? m.substring(0, 1000) : m;
    }

    private static <T> T inTransaction(Supplier<T> work) {
        return QuarkusTransaction.requiringNew().call(work::get);
    }
}
