package io.milepost.replay;

import java.time.Instant;
import java.util.List;

/**
 * A job as {@code GET /v1/jobs/{id}} shows it.
 *
 * @param type           {@code replay}, {@code impact} (a preview of draft rules) or {@code kpi_rebuild}
 * @param status         {@code queued}, {@code running}, {@code succeeded} or {@code failed}
 * @param total          users in the database when the job was created (a KPI rebuild: signup days)
 * @param done           users gone through so far, failed ones included (a KPI rebuild: days recounted)
 * @param unit           what {@code total} and {@code done} count: {@code users} or {@code days}
 * @param usersPerSecond done users per second of batch work, or null before the first batch (and for a rebuild)
 * @param counts         what a replay recorded; null for a KPI rebuild
 * @param errors         the first users that failed, with why
 * @param message        why the job failed, or null
 * @param impact         what an impact preview found in the users gone through so far; null for other jobs
 */
public record JobView(
        String id,
        String type,
        String status,
        boolean fireActions,
        String rulesVersion,
        long total,
        long done,
        String unit,
        Double usersPerSecond,
        Counts counts,
        List<JobError> errors,
        String message,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Impact impact) {

    /**
     * What the job recorded.
     *
     * @param usersProcessed    users gone through (as {@code done})
     * @param milestonesAdded   milestones newly recorded, with their historical times
     * @param actionsFired      actions recorded and written to the outbox ({@code fireActions: true})
     * @param actionsSuppressed actions recorded as suppressed, never sent ({@code fireActions: false})
     * @param stallsRecorded    windows the new rules closed, recorded as stalls at their close times
     * @param failures          users whose replay failed and who were left as they were
     */
    public record Counts(
            long usersProcessed,
            long milestonesAdded,
            long actionsFired,
            long actionsSuppressed,
            long stallsRecorded,
            long failures) {}

    /** A user whose replay failed. */
    public record JobError(String userId, String message) {}
}
