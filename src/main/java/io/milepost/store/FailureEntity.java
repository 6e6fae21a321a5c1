package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.Instant;

/** A rule evaluation that failed for a user (shown on their timeline). */
@Entity
@Table(name = "evaluation_failures")
public class FailureEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "record_seq")
    @SequenceGenerator(name = "record_seq", sequenceName = "record_seq", allocationSize = 500)
    public Long id;
    @Column(name = "user_id", nullable = false)
    public String userId;
    @Column(name = "occurred_at", nullable = false)
    public Instant occurredAt;
    @Column(name = "rule_name")
    public String ruleName;
    @Column(nullable = false)
    public String message;
    @Column(name = "rules_version", nullable = false)
    public String rulesVersion;
    @Column(name = "recorded_at", nullable = false)
    public Instant recordedAt;
}
