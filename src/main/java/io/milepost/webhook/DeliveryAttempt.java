package io.milepost.webhook;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.Instant;

/** One HTTP attempt of a delivery: what the receiver answered, or why it could not be reached. */
@Entity
@Table(name = "delivery_attempts")
public class DeliveryAttempt {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "attempt_seq")
    @SequenceGenerator(name = "attempt_seq", sequenceName = "attempt_seq", allocationSize = 500)
    public Long id;
    @Column(name = "delivery_id", nullable = false)
    public long deliveryId;
    @Column(nullable = false)
    public int attempt;
    @Column(name = "started_at", nullable = false)
    public Instant startedAt;
    @Column(name = "status_code")
    public Integer statusCode;
    public String error;
    @Column(name = "duration_ms", nullable = false)
    public int durationMs;
}
