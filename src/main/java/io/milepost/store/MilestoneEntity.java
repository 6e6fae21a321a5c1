package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.Instant;

/** A milestone a user reached; unique per (user, milestone). */
@Entity
@Table(name = "milestones")
public class MilestoneEntity extends UserRecord {
    @Column(nullable = false)
    public String milestone;

    @Column(name = "reached_at", nullable = false)
    public Instant reachedAt;

    @Column(name = "rule_name", nullable = false)
    public String ruleName;
}
