package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.Instant;

/** One firing of an action for a user; unique per (user, action, occurrence). */
@Entity
@Table(name = "actions")
public class ActionEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "record_seq")
    @SequenceGenerator(name = "record_seq", sequenceName = "record_seq", allocationSize = 500)
    public Long id;
    @Column(name = "user_id", nullable = false)
    public String userId;
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
    @Column(name = "rules_version", nullable = false)
    public String rulesVersion;
    @Column(name = "recorded_at", nullable = false)
    public Instant recordedAt;
}
