package io.milepost.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.ApiException;
import io.milepost.common.Json;
import io.milepost.engine.RuleSet;
import io.milepost.store.JobEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The replay jobs' rows: creating one (one queued or running at a time, across every instance that
 * shares the database), reading them, and moving a job on after each batch.
 */
@ApplicationScoped
public class ReplayJobs {
    static final String TYPE = "replay";
    static final String QUEUED = "queued";
    static final String RUNNING = "running";
    static final String SUCCEEDED = "succeeded";
    static final String FAILED = "failed";
    /** Failed users listed on a job; {@code counts.failures} counts them all. */
    static final int MAX_ERRORS = 100;
    static final int MAX_LIMIT = 100;
    private static final TypeReference<List<JobView.JobError>> ERRORS = new TypeReference<>() {
    };

    private final EntityManager em;
    private final ObjectMapper mapper;
    private final RuleSet rules;
    private final Clock clock;

    public ReplayJobs(EntityManager em, ObjectMapper mapper, RuleSet rules, Clock clock) {
        this.em = em;
        this.mapper = mapper;
        this.rules = rules;
        this.clock = clock;
    }

    /**
     * Queues a replay of every user under the current rules. 409 while another replay is queued or
     * running (its id in the details), or when no rules are loaded.
     */
    public JobView create(boolean fireActions) {
        if (rules.current() == null) {
            throw new ApiException(409, "no_rules", "no rules are loaded, so there is nothing to replay under; see GET /v1/rules");
        }
        Optional<String> active = QuarkusTransaction.requiringNew().call(this::activeId);
        if (active.isPresent()) {
            throw alreadyActive(active.get());
        }
        try {
            return QuarkusTransaction.requiringNew().call(() -> insert(fireActions));
        } catch (RuntimeException e) {
            // Another request or instance queued one since the check: the unique key on jobs.active refused this one.
            Optional<String> winner = QuarkusTransaction.requiringNew().call(this::activeId);
            if (winner.isPresent()) {
                throw alreadyActive(winner.get());
            }
            throw e;
        }
    }

    @Transactional
    public Optional<JobView> find(String id) {
        return Optional.ofNullable(em.find(JobEntity.class, id)).map(this::view);
    }

    /** The most recent jobs, newest first. */
    @Transactional
    public List<JobView> recent(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.badRequest("limit must be between 1 and " + MAX_LIMIT);
        }
        return em.createQuery("from JobEntity j order by j.createdAt desc, j.id", JobEntity.class).setMaxResults(limit)
                .getResultStream().map(this::view).toList();
    }

    /** Records a batch on the job (locked by the caller): cursor, counts, errors, and a renewed lease. */
    void advance(JobEntity job, String lastUserId, int users, UserReplay.Tally tally, List<JobView.JobError> errors,
                 String rulesVersion, Instant leaseUntil, long busyMillis) {
        job.lastUserId = lastUserId;
        job.doneUsers += users;
        job.milestonesAdded += tally.milestones();
        job.actionsFired += tally.actionsFired();
        job.actionsSuppressed += tally.actionsSuppressed();
        job.stallsRecorded += tally.stalls();
        job.failures += errors.size();
        if (!errors.isEmpty() && job.failures - errors.size() < MAX_ERRORS) {
            List<JobView.JobError> listed = new ArrayList<>(errors(job));
            errors.stream().limit(MAX_ERRORS - listed.size()).forEach(listed::add);
            job.errors = Json.write(mapper, listed);
        }
        job.rulesVersion = rulesVersion;
        job.leaseUntil = leaseUntil;
        job.busyMillis += busyMillis;
    }

    /** Ends the job (locked by the caller): it no longer blocks a new one of its type, and nobody holds it. */
    public void end(JobEntity job, String status, Instant now, String message) {
        job.status = status;
        job.active = null;
        job.owner = null;
        job.leaseUntil = null;
        job.finishedAt = now;
        job.message = message == null || message.length() <= 2000 ? message : message.substring(0, 2000);
    }

    private Optional<String> activeId() {
        return em.createQuery("select j.id from JobEntity j where j.active = :type", String.class)
                .setParameter("type", TYPE).getResultStream().findFirst();
    }

    private JobView insert(boolean fireActions) {
        JobEntity job = new JobEntity();
        job.id = UUID.randomUUID().toString();
        job.type = TYPE;
        job.status = QUEUED;
        job.active = TYPE;
        job.fireActions = fireActions;
        job.totalUsers = em.createQuery("select count(u) from UserEntity u", Long.class).getSingleResult();
        job.errors = "[]";
        job.createdAt = clock.instant();
        em.persist(job);
        em.flush();
        return view(job);
    }

    private static ApiException alreadyActive(String id) {
        return new ApiException(409, "replay_running", "a replay is already queued or running: job " + id
                + " (GET /v1/jobs/" + id + ")", List.of(Map.of("jobId", id)));
    }

    private List<JobView.JobError> errors(JobEntity job) {
        try {
            return mapper.readValue(job.errors, ERRORS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored job errors are unreadable: " + e.getOriginalMessage(), e);
        }
    }

    /** A job as the API shows it; a job of another type than a replay (a KPI rebuild) counts days, not users. */
    public JobView view(JobEntity job) {
        boolean replay = TYPE.equals(job.type);
        Double rate = replay && job.busyMillis > 0 ? Math.round(job.doneUsers * 10_000.0 / job.busyMillis) / 10.0 : null;
        return new JobView(job.id, job.type, job.status, job.fireActions, job.rulesVersion, job.totalUsers, job.doneUsers,
                replay ? "users" : "days", rate, replay ? new JobView.Counts(job.doneUsers, job.milestonesAdded,
                job.actionsFired, job.actionsSuppressed, job.stallsRecorded, job.failures) : null, errors(job), job.message,
                job.createdAt, job.startedAt, job.finishedAt);
    }
}
