package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.SequenceGenerator;
import java.time.Instant;

/** What every recorded fact about a user has: an id, the user, the rules version that produced it, when it was written. */
@MappedSuperclass
public abstract class UserRecord {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "record_seq")
    @SequenceGenerator(name = "record_seq", sequenceName = "record_seq", allocationSize = 500)
    public Long id;
    @Column(name = "user_id", nullable = false)
    public String userId;
    @Column(name = "rules_version", nullable = false)
    public String rulesVersion;
    @Column(name = "recorded_at", nullable = false)
    public Instant recordedAt;

    /** Fills the common columns; returns this for chaining. */
    @SuppressWarnings("unchecked")
    <T extends UserRecord> T of(String user, String version, Instant now) {
        this.userId = user;
        this.rulesVersion = version;
        this.recordedAt = now;
        return (T) this;
    }
}
