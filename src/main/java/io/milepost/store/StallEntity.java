package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.Instant;

/** A milestone window that closed before the user reached it; unique per (user, milestone). */
@Entity
@Table(name = "stalls")
public class StallEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "record_seq")
    @SequenceGenerator(name = "record_seq", sequenceName = "record_seq", allocationSize = 500)
    public Long id;
    @Column(name = "user_id", nullable = false)
    public String userId;
    @Column(nullable = false)
    public String milestone;
    @Column(nullable = false)
    public Instant since;
    @Column(name = "rules_version", nullable = false)
    public String rulesVersion;
    @Column(name = "recorded_at", nullable = false)
    public Instant recordedAt;
}
