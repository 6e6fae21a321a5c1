package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A message for the outside world (milestone.reached, milestone.stalled, action.triggered),
 * written in the same transaction as the fact it reports: the transactional outbox.
 */
@Entity
@Table(name = "outbox")
public class OutboxEntity {
    @Id
    /** From {@code outbox_seq}, in blocks: rows are written by {@link RowWriter}, and read through this entity. */
    public Long id;

    @Column(nullable = false)
    public String type;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(nullable = false)
    public String subject;

    @Column(nullable = false)
    public String body;

    @Column(name = "occurred_at", nullable = false)
    public Instant occurredAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    /** When the message was fanned out to the webhook endpoints of the moment. */
    @Column(name = "dispatched_at")
    public Instant dispatchedAt;
    /** The {@code webhook-id} receivers see: one per message, stable across endpoints and retries. */
    @Column(name = "webhook_id")
    public String webhookId;
}
