package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.Instant;

/** A milestone window that closed before the user reached it; unique per (user, milestone). */
@Entity
@Table(name = "stalls")
public class StallEntity extends UserRecord {
    @Column(nullable = false)
    public String milestone;

    @Column(nullable = false)
    public Instant since;
}
