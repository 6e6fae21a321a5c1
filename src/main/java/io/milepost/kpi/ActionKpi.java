package io.milepost.kpi;

/**
 * How one action performs.
 *
 * @param triggered           firings (a {@code @repeat} action counts each)
 * @param users               distinct users it fired for
 * @param delivered           firings whose webhook message at least one endpoint has accepted (2xx)
 * @param nextMilestone       users who, after it fired, reached the milestone after the one they were at
 * @param nextMilestoneShare  nextMilestone / users
 */
public record ActionKpi(String action, long triggered, long users, long delivered, long nextMilestone,
                        double nextMilestoneShare) {
}
