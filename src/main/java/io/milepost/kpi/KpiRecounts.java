package io.milepost.kpi;

import io.milepost.common.ApiException;
import io.milepost.replay.JobView;
import io.milepost.replay.ReplayJobs;
import io.milepost.store.JobEntity;
import io.milepost.store.JobRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Keeps the KPI figures per signup day current, in the background: recounts the days marked since
 * ({@link #fold}), counts the days that have no figures under the current catalog yet (after a
 * rules change, or on first start: {@link #catchUp}), and runs {@code POST /v1/kpis/rebuild} jobs,
 * which recount every day. Each step recounts a few days per transaction, holding the recount lock.
 */
@ApplicationScoped
public class KpiRecounts {
    static final String JOB_TYPE = "kpi_rebuild";
    /** Days recounted per transaction. */
    static final int DAYS_PER_TRANSACTION = 7;
    /** Transactions one fold runs at most, so that a steady stream of marks does not keep it going. */
    static final int MAX_FOLD_TRANSACTIONS = 50;
    /** Days the catch-up counts per run. */
    static final int CATCH_UP_DAYS = 70;

    private static final Logger LOG = Logger.getLogger(KpiRecounts.class);

    private final KpiDays days;
    private final EntityManager em;
    private final ReplayJobs jobs;
    private final JobRepository jobRows;
    private final Clock clock;
    /** The fingerprint under which every signup day with users has been counted, once the catch-up found none left. */
    private volatile String caughtUpUnder;

    public KpiRecounts(KpiDays days, EntityManager em, ReplayJobs jobs, JobRepository jobRows, Clock clock) {
        this.days = days;
        this.jobRows = jobRows;
        this.em = em;
        this.jobs = jobs;
        this.clock = clock;
    }

    @Scheduled(
            identity = "milepost-kpi-recounts",
            every = "${milepost.kpis.fold-interval:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            run(clock.instant());
        } catch (RuntimeException e) {
            // the next run tries again; answers stay right meanwhile (marked days are counted from the records)
            LOG.errorf("recounting KPI days failed: %s", e.toString());
        }
    }

    /** One background round: marked days, a rebuild job's next days, days not counted yet. */
    public void run(Instant now) {
        fold(now);
        rebuild(now);
        catchUp(now);
    }

    /** Recounts the days marked for a recount; answers how many days it recounted. */
    public int fold(Instant now) {
        int total = 0;
        for (int i = 0; i < MAX_FOLD_TRANSACTIONS; i++) {
            int n = QuarkusTransaction.requiringNew().call(() -> {
                days.lock();
                KpiDays.Marks marks = days.marked(DAYS_PER_TRANSACTION);
                if (marks.ids().isEmpty()) {
                    return 0;
                }
                Journey journey = days.journey();
                days.recount(journey, days.fingerprint(journey), marks.days(), now);
                days.unmark(marks.ids());
                return marks.days().size();
            });
            if (n == 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /**
     * Counts up to {@link #CATCH_UP_DAYS} signup days that have no figures under the current catalog;
     * once every day has them, drops the figures kept under others. Answers how many days it counted.
     */
    public int catchUp(Instant now) {
        Journey journey = days.journey();
        String fingerprint = days.fingerprint(journey);
        if (fingerprint.equals(caughtUpUnder)) {
            // from here on every new or changed day is marked, and the fold counts it
            return 0;
        }
        List<Long> todo = QuarkusTransaction.requiringNew().call(() -> days.uncounted(fingerprint, CATCH_UP_DAYS));
        for (int from = 0; from < todo.size(); from += DAYS_PER_TRANSACTION) {
            List<Long> chunk = todo.subList(from, Math.min(todo.size(), from + DAYS_PER_TRANSACTION));
            QuarkusTransaction.requiringNew().run(() -> {
                days.lock();
                days.recount(journey, fingerprint, chunk, now);
            });
        }
        if (todo.isEmpty()) {
            int dropped = QuarkusTransaction.requiringNew().call(() -> days.dropOthers(fingerprint));
            if (dropped > 0) {
                LOG.infof("KPI figures counted under an earlier catalog dropped: %d rows", dropped);
            }
            caughtUpUnder = fingerprint;
        }
        return todo.size();
    }

    /** Queues a recount of every signup day from the records; one at a time (409 while one is queued or running). */
    public JobView startRebuild() {
        Optional<String> active = QuarkusTransaction.requiringNew().call(() -> jobRows.activeId(JOB_TYPE));
        if (active.isPresent()) {
            throw alreadyActive(active.get());
        }
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                long[] span = days.signupDays();
                JobEntity job = new JobEntity();
                job.id = UUID.randomUUID().toString();
                job.type = JOB_TYPE;
                job.status = "queued";
                job.active = JOB_TYPE;
                job.totalUsers = span == null ? 0 : span[1] - span[0] + 1;
                job.lastUserId = span == null ? null : Long.toString(span[0] - 1);
                job.errors = "[]";
                job.createdAt = clock.instant();
                jobRows.persist(job);
                em.flush();
                return jobs.view(job);
            });
        } catch (RuntimeException e) {
            // another request queued one since the check: the unique key on jobs.active refused this one
            Optional<String> winner = QuarkusTransaction.requiringNew().call(() -> jobRows.activeId(JOB_TYPE));
            if (winner.isPresent()) {
                throw alreadyActive(winner.get());
            }
            throw e;
        }
    }

    /**
     * Runs the queued or running rebuild job to its end, {@link #DAYS_PER_TRANSACTION} days per
     * transaction with the job's row locked and its cursor (the last day done) moved in the same
     * commit: a job an instance dropped half way resumes where it stopped.
     */
    public void rebuild(Instant now) {
        Optional<String> id = QuarkusTransaction.requiringNew().call(() -> jobRows.activeId(JOB_TYPE));
        if (id.isEmpty()) {
            return;
        }
        boolean more = true;
        while (more) {
            more = QuarkusTransaction.requiringNew().call(() -> {
                JobEntity job = jobRows.locked(id.get()).orElse(null);
                if (job == null || job.active == null) {
                    return false;
                }
                long started = System.nanoTime();
                if (job.startedAt == null) {
                    job.startedAt = clock.instant();
                    job.status = "running";
                }
                long[] span = days.signupDays();
                long next = job.lastUserId == null ? Long.MAX_VALUE : Long.parseLong(job.lastUserId) + 1;
                if (span == null || next > span[1]) {
                    jobs.end(job, "succeeded", clock.instant(), null);
                    return false;
                }
                days.lock();
                // a stretch without signups is skipped, and what was kept for it (users since erased) dropped
                Long withUsers = days.nextSignupDay(Math.max(next, span[0]));
                long first = withUsers == null ? span[1] + 1 : withUsers;
                if (first > next) {
                    days.forget(next, first);
                }
                List<Long> chunk = new ArrayList<>();
                for (long d = first; d <= span[1] && chunk.size() < DAYS_PER_TRANSACTION; d++) {
                    chunk.add(d);
                }
                if (chunk.isEmpty()) {
                    job.doneUsers = job.totalUsers;
                    jobs.end(job, "succeeded", clock.instant(), null);
                    return false;
                }
                Journey journey = days.journey();
                days.recount(journey, days.fingerprint(journey), chunk, now);
                job.lastUserId = Long.toString(chunk.get(chunk.size() - 1));
                job.doneUsers = Math.min(job.totalUsers, chunk.get(chunk.size() - 1) - span[0] + 1);
                job.busyMillis += (System.nanoTime() - started) / 1_000_000;
                return true;
            });
        }
    }

    private static ApiException alreadyActive(String id) {
        return new ApiException(
                409,
                "rebuild_running",
                "a KPI rebuild is already queued or running: job " + id + " (GET /v1/jobs/" + id + ")",
                List.of(Map.of("jobId", id)));
    }
}
