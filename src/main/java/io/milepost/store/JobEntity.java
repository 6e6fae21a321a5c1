package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A background job (a replay): its state, keyset cursor, counts and claim. An instance works on it
 * only while {@code owner} is its own id and {@code leaseUntil} is renewed; see V3__jobs.sql.
 */
@Entity
@Table(name = "jobs")
public class JobEntity {
    @Id
    public String id;

    @Column(nullable = false)
    public String type;

    @Column(nullable = false)
    public String status;
    /** The job's type while queued or running, null after: unique, so one job of a type is active at a time. */
    public String active;

    @Column(name = "fire_actions", nullable = false)
    public boolean fireActions;

    @Column(name = "rules_version")
    public String rulesVersion;
    /** The last user id done; users are processed in id order. */
    @Column(name = "last_user_id")
    public String lastUserId;

    @Column(name = "total_users", nullable = false)
    public long totalUsers;

    @Column(name = "done_users", nullable = false)
    public long doneUsers;

    @Column(name = "milestones_added", nullable = false)
    public long milestonesAdded;

    @Column(name = "actions_fired", nullable = false)
    public long actionsFired;

    @Column(name = "actions_suppressed", nullable = false)
    public long actionsSuppressed;

    @Column(name = "stalls_recorded", nullable = false)
    public long stallsRecorded;

    @Column(nullable = false)
    public long failures;
    /** JSON list of {userId, message}: the first users that failed. */
    @Column(nullable = false)
    public String errors;

    @Column(name = "busy_millis", nullable = false)
    public long busyMillis;

    public String owner;

    @Column(name = "lease_until")
    public Instant leaseUntil;

    public String message;
    /** An impact preview's draft files and whether they stand alone (JSON); null for other jobs. */
    public String drafts;
    /** An impact preview's most users to look at, or null for all. */
    @Column(name = "sample_size")
    public Long sampleSize;
    /** What an impact preview found so far (JSON); null for other jobs. */
    public String result;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;
}
