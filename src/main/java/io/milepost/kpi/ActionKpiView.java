package io.milepost.kpi;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/kpis/actions}: per action, for users who signed up in {@code [from, to)}, what it
 * did and whether it worked, against its {@code @holdout} control group where it has one.
 */
public record ActionKpiView(Instant from, Instant to, List<Item> actions) {

    /**
     * One action.
     *
     * @param triggered  firings sent (each {@code @repeat} firing counts; held-out and suppressed ones do not)
     * @param users      users it was sent to (their first firing)
     * @param delivered  firings whose webhook message at least one endpoint accepted (2xx)
     * @param heldOut    users in its control group (their first firing was held out, not sent)
     * @param suppressed firings recorded and not sent (a replay without fireActions, a stale trigger, a resolved
     *                   stall): on record, not actions taken
     * @param holdout    the {@code @holdout} share of the rule(s) that fire it, null without one
     * @param treated    the users it was sent to, and how many of them then moved further in the journey
     * @param control    the same for the held-out users; null without a holdout
     * @param difference treated rate minus control rate; null without both
     * @param baseline   {@code holdout} when there is a control group to compare with, else {@code none}
     */
    public record Item(
            String action,
            long triggered,
            long users,
            long delivered,
            long heldOut,
            long suppressed,
            Double holdout,
            Group treated,
            Group control,
            Double difference,
            ConfidenceInterval confidenceInterval,
            String baseline) {}

    /** Users of one group, how many of them converted, and the rate (null for an empty group). */
    public record Group(long users, long converted, Double rate) {}

    /** The difference's confidence interval (Newcombe's hybrid score method). */
    public record ConfidenceInterval(double level, double low, double high, String method) {}
}
