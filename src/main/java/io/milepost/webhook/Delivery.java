package io.milepost.webhook;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One outbox message on its way to one endpoint. {@code nextAttemptAt} is set exactly while the
 * delivery is pending: when its next attempt is due, or a claim's lease while an attempt is in flight.
 */
@Entity
@Table(name = "deliveries")
public class Delivery {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";

    /** From {@code delivery_seq}, in blocks (see {@link io.milepost.store.IdBlocks}); deliveries are written by the dispatcher only. */
    @Id
    public Long id;

    @Column(name = "message_id", nullable = false)
    public long messageId;

    @Column(name = "endpoint_id", nullable = false)
    public String endpointId;

    @Column(name = "webhook_id", nullable = false)
    public String webhookId;

    @Column(nullable = false)
    public String type;
    /** Null for operational messages, which are about no user. */
    @Column(name = "user_id")
    public String userId;

    @Column(nullable = false)
    public String subject;

    @Column(nullable = false)
    public String status;

    @Column(nullable = false)
    public int attempts;

    @Column(name = "attempts_left", nullable = false)
    public int attemptsLeft;

    @Column(name = "next_attempt_at")
    public Instant nextAttemptAt;

    @Column(name = "last_attempt_at")
    public Instant lastAttemptAt;

    @Column(name = "last_status_code")
    public Integer lastStatusCode;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "last_duration_ms")
    public Integer lastDurationMs;

    @Column(name = "delivered_at")
    public Instant deliveredAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
