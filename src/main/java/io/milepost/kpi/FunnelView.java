package io.milepost.kpi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Milestone KPIs for the users who signed up in {@code [from, to)}. Durations are ISO-8601.
 *
 * @param cohort how many users signed up in the range
 */
public record FunnelView(Instant from, Instant to, long cohort, List<Step> milestones) {

    /**
     * One milestone of the journey for the cohort.
     *
     * @param share                  reached / cohort
     * @param conversionFromPrevious reached / reached the previous milestone (share for the first);
     *                               null when nobody reached the previous one
     * @param reachedWithinWindow    reached before the milestone's window closed (all reached when it has no window)
     * @param stalled                users whose window closed first (some of them may have reached it late)
     * @param medianTimeToReach      from signup; null when nobody reached it
     */
    public record Step(String milestone, Integer order, Duration within, long reached, double share,
                       Double conversionFromPrevious, long reachedWithinWindow, long stalled,
                       Duration medianTimeToReach, Duration p90TimeToReach) {
    }
}
