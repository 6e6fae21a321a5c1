package io.milepost.user;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A user's state, as {@code GET /v1/users/{id}} shows it. */
public record UserView(String userId, Instant signedUpAt, Map<String, Object> traits, String stage,
                       List<MilestoneItem> milestones, List<StallItem> stalled, Map<String, ActivityItem> activity,
                       List<ActionItem> actions, Instant lastEventAt, Instant nextCheckAt) {

    public record MilestoneItem(String name, Instant reachedAt, String rule) {
    }

    public record StallItem(String milestone, Instant since) {
    }

    public record ActivityItem(long count, Instant firstAt, Instant lastAt) {
    }

    /**
     * {@code suppressed}: recorded by a replay without {@code fireActions}, never sent; {@code heldOut}:
     * the user is in the control group of the rule's {@code @holdout}, never sent.
     */
    public record ActionItem(String action, Instant triggeredAt, int occurrence, String rule, boolean suppressed,
                             boolean heldOut) {
    }
}
