package io.milepost.target;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * A target as the API shows it: its definition, the status its last evaluation decided (with why),
 * and the recent cohorts against it as of now.
 *
 * @param evaluatedAt when the status was last decided (on create, on PATCH, and on each scheduled evaluation)
 * @param current     the latest complete cohort (the one the status is judged on), else the newest one
 */
public record TargetView(
        String id,
        String name,
        String milestone,
        double share,
        boolean withinWindow,
        String cohort,
        LocalDate deadline,
        Instant createdAt,
        String status,
        Instant statusSince,
        String explanation,
        Instant evaluatedAt,
        Cohort current,
        Projection projection,
        List<Cohort> cohorts) {

    /** One signup cohort: its size, how many reached the milestone (within its window if the target says so). */
    public record Cohort(Instant start, Instant end, long size, long reached, Double share, boolean complete) {}

    /** Where the trend of the complete cohorts leads: the share expected of the cohort that signs up at {@code at}. */
    public record Projection(double share, Instant at, String method) {}

    /** {@code GET /v1/targets}. */
    public record Page(List<TargetView> targets) {}
}
