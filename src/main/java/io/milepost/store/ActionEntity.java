package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One firing of an action for a user; unique per (user, action, occurrence). A suppressed firing
 * counts for "once per user" but was never sent: {@code suppressedReason} says why (a replay without
 * {@code fireActions}, a stale trigger, a stall already resolved).
 */
@Entity
@Table(name = "actions")
public class ActionEntity extends UserRecord {
    @Column(nullable = false)
    public String action;

    @Column(nullable = false)
    public int occurrence;

    @Column(name = "triggered_at", nullable = false)
    public Instant triggeredAt;

    @Column(name = "rule_name", nullable = false)
    public String ruleName;

    @Column(nullable = false)
    public String payload;

    @Column(nullable = false)
    public boolean suppressed;
    /** {@code silent_replay}, {@code stale} or {@code stall_resolved}; null when it was not suppressed. */
    @Column(name = "suppressed_reason")
    public String suppressedReason;
    /** In the control group of the rule's {@code @holdout}: recorded, not sent. */
    @Column(name = "held_out", nullable = false)
    public boolean heldOut;
}
