package io.milepost.kpi;

import java.time.Instant;
import java.util.List;

/** One row per signup cohort ({@code interval} day, week from Monday 00:00 UTC, or month) of {@code [from, to)}. */
public record CohortsView(
        Instant from, Instant to, String interval, Instant asOf, List<String> milestones, List<Cohort> cohorts) {

    /** A cohort; its start and end are the period's, cut to {@code [from, to)}. */
    public record Cohort(Instant start, Instant end, long size, List<Milestone> milestones) {}

    /** As in the funnel; {@code withinWindowShare} is reachedWithinWindow / size. */
    public record Milestone(
            String milestone,
            long reached,
            long reachedWithinWindow,
            long inProgress,
            long stalled,
            Double share,
            Double withinWindowShare) {}
}
