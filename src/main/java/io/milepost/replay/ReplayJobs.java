package io.milepost.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.ApiException;
import io.milepost.common.Json;
import io.milepost.rules.RuleSet;
import io.milepost.store.JobEntity;
import io.milepost.store.JobRepository;
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
    /** A preview of draft rules over the stored users: writes nothing but its own row. */
    static final String IMPACT = "impact";

    static final String QUEUED = "queued";
    static final String RUNNING = "running";
    static final String SUCCEEDED = "succeeded";
    static final String FAILED = "failed";
    /** Failed users listed on a job; {@code counts.failures} counts them all. */
    static final int MAX_ERRORS = 100;

    static final int MAX_LIMIT = 100;
    private static final TypeReference<List<JobView.JobError>> ERRORS = new TypeReference<>() {};

    private final EntityManager em;
    private final JobRepository rows;
    private final ObjectMapper mapper;
    private final RuleSet rules;
    private final Clock clock;

    public ReplayJobs(EntityManager em, JobRepository rows, ObjectMapper mapper, RuleSet rules, Clock clock) {
        this.em = em;
        this.rows = rows;
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
            throw new ApiException(
                    409, "no_rules", "no rules are loaded, so there is nothing to replay under; see GET /v1/rules");
        }
        Optional<String> active = QuarkusTransaction.requiringNew().call(() -> rows.activeId(TYPE));
        if (active.isPresent()) {
            throw alreadyActive(TYPE, active.get());
        }
        try {
            return QuarkusTransaction.requiringNew().call(() -> insert(fireActions));
        } catch (RuntimeException e) {
            // Another request or instance queued one since the check: the unique key on jobs.active refused this one.
            Optional<String> winner = QuarkusTransaction.requiringNew().call(() -> rows.activeId(TYPE));
            if (winner.isPresent()) {
                throw alreadyActive(TYPE, winner.get());
            }
            throw e;
        }
    }

    /** Draft files an impact preview runs under. */
    public record Drafts(Map<String, String> files, boolean alone) {}

    /**
     * Queues an impact preview of {@code drafts} (which must compile: 422 with their problems) over
     * the stored users, or the first {@code sample} of them in id order. 409 while another is active.
     */
    public JobView createImpact(Drafts drafts, Long sample) {
        if (sample != null && sample < 1) {
            throw ApiException.badRequest("sample must be at least 1 (or left out for every user)");
        }
        io.milepost.rules.RuleCompiler.Result compiled = rules.compileDraft(drafts.files(), drafts.alone());
        if (!compiled.ok()) {
            throw new ApiException(
                    422,
                    "invalid_rules",
                    "the draft rules were refused (details: file, line, column, message)",
                    compiled.problems());
        }
        Optional<String> active = QuarkusTransaction.requiringNew().call(() -> rows.activeId(IMPACT));
        if (active.isPresent()) {
            throw alreadyActive(IMPACT, active.get());
        }
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                JobEntity job = newJob(IMPACT, false);
                job.drafts = Json.write(mapper, drafts);
                job.sampleSize = sample;
                job.totalUsers = sample == null ? job.totalUsers : Math.min(sample, job.totalUsers);
                job.result = Json.write(mapper, Impact.NONE);
                job.rulesVersion = compiled.book().version();
                rows.persist(job);
                em.flush();
                return view(job);
            });
        } catch (RuntimeException e) {
            Optional<String> winner = QuarkusTransaction.requiringNew().call(() -> rows.activeId(IMPACT));
            if (winner.isPresent()) {
                throw alreadyActive(IMPACT, winner.get());
            }
            throw e;
        }
    }

    /** The draft files of an impact preview. */
    Drafts drafts(JobEntity job) {
        try {
            return mapper.readValue(job.drafts, Drafts.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored drafts are unreadable: " + e.getOriginalMessage(), e);
        }
    }

    /** Adds a batch's findings to an impact preview (locked by the caller). */
    void addImpact(JobEntity job, Impact found) {
        job.result = Json.write(mapper, impact(job).plus(found));
    }

    private Impact impact(JobEntity job) {
        if (job.result == null) {
            return null;
        }
        try {
            return mapper.readValue(job.result, Impact.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored impact is unreadable: " + e.getOriginalMessage(), e);
        }
    }

    @Transactional
    public Optional<JobView> find(String id) {
        return rows.findByIdOptional(id).map(this::view);
    }

    /** The most recent jobs, newest first. */
    @Transactional
    public List<JobView> recent(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.badRequest("limit must be between 1 and " + MAX_LIMIT);
        }
        return rows.newest(limit).stream().map(this::view).toList();
    }

    /** Records a batch on the job (locked by the caller): cursor, counts, errors, and a renewed lease. */
    void advance(
            JobEntity job,
            String lastUserId,
            int users,
            UserReplay.Tally tally,
            List<JobView.JobError> errors,
            String rulesVersion,
            Instant leaseUntil,
            long busyMillis) {
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

    private JobView insert(boolean fireActions) {
        JobEntity job = newJob(TYPE, fireActions);
        rows.persist(job);
        em.flush();
        return view(job);
    }

    private JobEntity newJob(String type, boolean fireActions) {
        JobEntity job = new JobEntity();
        job.id = UUID.randomUUID().toString();
        job.type = type;
        job.status = QUEUED;
        job.active = type;
        job.fireActions = fireActions;
        job.totalUsers =
                ((Number) em.createNativeQuery("SELECT count(*) FROM users").getSingleResult()).longValue();
        job.errors = "[]";
        job.createdAt = clock.instant();
        return job;
    }

    private static ApiException alreadyActive(String type, String id) {
        String what = IMPACT.equals(type) ? "an impact preview" : "a replay";
        return new ApiException(
                409,
                IMPACT.equals(type) ? "impact_running" : "replay_running",
                what + " is already queued or running: job " + id + " (GET /v1/jobs/" + id + ")",
                List.of(Map.of("jobId", id)));
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
        boolean users = replay || IMPACT.equals(job.type);
        Double rate = users && job.busyMillis > 0 ? Math.round(job.doneUsers * 10_000.0 / job.busyMillis) / 10.0 : null;
        return new JobView(
                job.id,
                job.type,
                job.status,
                job.fireActions,
                job.rulesVersion,
                job.totalUsers,
                job.doneUsers,
                users ? "users" : "days",
                rate,
                replay
                        ? new JobView.Counts(
                                job.doneUsers,
                                job.milestonesAdded,
                                job.actionsFired,
                                job.actionsSuppressed,
                                job.stallsRecorded,
                                job.failures)
                        : null,
                errors(job),
                job.message,
                job.createdAt,
                job.startedAt,
                job.finishedAt,
                impact(job));
    }
}
