package io.milepost.user;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A user's state, as {@code GET /v1/users/{id}} shows it. {@code identified}: the user was named by a
 * {@code userId} (false: only ever seen under an {@code anonymousId}); {@code mergedIds}: the ids
 * merged into this user (their calls reach it); {@code accounts}: the accounts it belongs to.
 */
public record UserView(
        String userId,
        Instant signedUpAt,
        Map<String, Object> traits,
        String stage,
        List<MilestoneItem> milestones,
        List<StallItem> stalled,
        Map<String, ActivityItem> activity,
        List<ActionItem> actions,
        Instant lastEventAt,
        Instant nextCheckAt,
        boolean identified,
        List<String> mergedIds,
        List<AccountItem> accounts) {

    /** An account the user belongs to (Segment {@code group}), with its traits. */
    public record AccountItem(String id, Map<String, Object> traits) {}

    public record MilestoneItem(String name, Instant reachedAt, String rule) {}

    public record StallItem(String milestone, Instant since) {}

    public record ActivityItem(long count, Instant firstAt, Instant lastAt) {}

    /**
     * {@code suppressed}: recorded and never sent, for the reason {@code suppressedReason} says
     * ({@code silent_replay}: a replay without {@code fireActions}; {@code stale}: what triggered it was
     * older than {@code milepost.actions.max-age}; {@code stall_resolved}: it answered a stall the user
     * had left); {@code heldOut}: the user is in the control group of the rule's {@code @holdout}, never sent.
     */
    public record ActionItem(
            String action,
            Instant triggeredAt,
            int occurrence,
            String rule,
            boolean suppressed,
            String suppressedReason,
            boolean heldOut) {}
}
