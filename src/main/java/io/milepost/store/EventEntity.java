package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A stored track or identify. Append-only. */
@Entity
@Table(name = "events")
public class EventEntity {
    @Id
    /** From {@code event_seq}, in blocks: rows are written by {@link RowWriter}, and read through this entity. */
    public Long id;

    @Column(name = "message_id", nullable = false)
    public String messageId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(nullable = false)
    public String type;

    public String name;

    @Column(nullable = false)
    public String payload;

    @Column(name = "occurred_at", nullable = false)
    public Instant occurredAt;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;
}
