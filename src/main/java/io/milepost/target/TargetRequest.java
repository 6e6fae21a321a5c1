package io.milepost.target;

/**
 * The body of {@code POST /v1/targets} (name, milestone, share and deadline required) and of
 * {@code PATCH /v1/targets/{id}} (any of them).
 *
 * @param share    the share of each cohort that should reach the milestone, more than 0 and at most 1
 * @param cohort   {@code week} (signups from Monday 00:00 UTC) or {@code month} (from the 1st)
 * @param deadline a date ({@code 2027-03-31}): the goal holds for the cohorts that sign up by the end of it
 */
public record TargetRequest(
        String name, String milestone, Double share, Boolean withinWindow, String cohort, String deadline) {}
