package io.milepost.kpi;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The journey funnel for the users who signed up in {@code [from, to)}, as of {@code asOf}; shares
 * are fractions rounded to 4 places, null where there is nothing to divide by.
 *
 * @param breakdown the same funnel per value of a trait, or null when none was asked for
 */
public record FunnelView(
        Instant from, Instant to, Instant asOf, long cohort, List<Step> milestones, Breakdown breakdown) {

    /**
     * One milestone of the journey for the cohort.
     *
     * @param previous               the milestone before it in the journey: its {@code @after}, else the one
     *                               before it in {@code @order}; null for the first
     * @param measuredFrom           "signup" or its {@code @after} milestone: where its window and time to reach start
     * @param previousReached        users who reached {@code previous} (the cohort when there is none)
     * @param reachedAfterPrevious   users who reached both this and {@code previous}
     * @param conversionFromPrevious reachedAfterPrevious / previousReached; null when previousReached is 0
     * @param droppedOff             reached {@code previous}, not this, and its window has closed
     * @param reachedWithinWindow    reached by the end of its window (every reach when it has no window)
     * @param stalled                users whose window closed without it (some reached it late)
     * @param inProgress             not reached and its window is open (see the README)
     * @param notReached             cohort minus reached
     */
    public record Step(
            String milestone,
            Integer order,
            Duration within,
            String after,
            String measuredFrom,
            String previous,
            long previousReached,
            long reached,
            Double share,
            long reachedAfterPrevious,
            Double conversionFromPrevious,
            long droppedOff,
            long reachedWithinWindow,
            long stalled,
            long inProgress,
            long notReached,
            Duration medianTimeToReach,
            Duration p90TimeToReach) {}

    /** The funnel per value of {@code trait}: its most common values, the rest as "other", and the users without it. */
    public record Breakdown(String trait, List<Group> groups) {}

    /**
     * @param value the trait's value as text; "other" (with {@code other} true) for the rest, null for users without it
     */
    public record Group(
            String value,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean other,
            long cohort,
            List<Step> milestones) {}
}
