package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.Instant;

/** A rule evaluation that failed for a user (shown on their timeline). */
@Entity
@Table(name = "evaluation_failures")
public class FailureEntity extends UserRecord {
    @Column(name = "occurred_at", nullable = false)
    public Instant occurredAt;

    @Column(name = "rule_name")
    public String ruleName;

    @Column(nullable = false)
    public String message;
}
