package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.Instant;

/** A milestone a user reached; unique per (user, milestone). */
@Entity
@Table(name = "milestones")
public class MilestoneEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "record_seq")
    @SequenceGenerator(name = "record_seq", sequenceName = "record_seq", allocationSize = 500)
    public Long id;
    @Column(name = "user_id", nullable = false)
    public String userId;
    @Column(nullable = false)
    public String milestone;
    @Column(name = "reached_at", nullable = false)
    public Instant reachedAt;
    @Column(name = "rule_name", nullable = false)
    public String ruleName;
    @Column(name = "rules_version", nullable = false)
    public String rulesVersion;
    @Column(name = "recorded_at", nullable = false)
    public Instant recordedAt;
}
