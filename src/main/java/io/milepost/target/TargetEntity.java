package io.milepost.target;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.time.LocalDate;

/** A SMART target, with the status its last evaluation decided (and announced). */
@Entity
@Table(name = "targets")
public class TargetEntity {
    @Id
    public String id;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public String milestone;

    @Column(nullable = false)
    public double share;

    @Column(name = "within_window", nullable = false)
    public boolean withinWindow;

    @Column(nullable = false)
    public String cohort;

    @Column(nullable = false)
    public LocalDate deadline;

    @Column(nullable = false)
    public String status;

    @Column(name = "status_since", nullable = false)
    public Instant statusSince;

    @Column(nullable = false)
    public String explanation;

    @Column(name = "evaluated_at", nullable = false)
    public Instant evaluatedAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
