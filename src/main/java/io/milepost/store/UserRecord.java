package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import java.time.Instant;

/** What every recorded fact about a user has: an id, the user, the rules version that produced it, when it was written. */
@MappedSuperclass
public abstract class UserRecord {
    @Id
    /** From {@code record_seq}, in blocks: rows are written by {@link RowWriter}, and read through this entity. */
    public Long id;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "rules_version", nullable = false)
    public String rulesVersion;

    @Column(name = "recorded_at", nullable = false)
    public Instant recordedAt;
}
