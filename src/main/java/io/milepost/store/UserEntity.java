package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

@Entity
@Table(name = "users")
public class UserEntity {
    @Id
    public String id;

    @Column(nullable = false)
    public String traits;
    /** Per-event, per-day counts, as {@link ActivityCodec} writes them. */
    @Column(nullable = false)
    public String activity;

    @Column(name = "signed_up_at", nullable = false)
    public Instant signedUpAt;

    @Column(name = "signup_from_trait", nullable = false)
    public boolean signupFromTrait;

    @Column(name = "last_event_at")
    public Instant lastEventAt;

    public String stage;

    @Column(name = "next_check_at")
    public Instant nextCheckAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
    /** Named by a userId at least once (false: only ever seen under an anonymousId). */
    @Column(nullable = false)
    public boolean identified;
}
