package io.milepost.store;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDate;

/** Count of one event name for one user on one UTC day. */
@Entity
@Table(name = "activity_days")
public class ActivityDayEntity {

    @Embeddable
    public record Key(@Column(name = "user_id") String userId, @Column(name = "event") String event,
                      @Column(name = "bucket_day") LocalDate day) implements Serializable {
    }

    @EmbeddedId
    public Key id;
    @Column(name = "event_count", nullable = false)
    public int count;
    @Column(name = "first_at", nullable = false)
    public Instant firstAt;
    @Column(name = "last_at", nullable = false)
    public Instant lastAt;
}
