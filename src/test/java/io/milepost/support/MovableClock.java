package io.milepost.support;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The service's clock in tests: the system's UTC time until a test sets it; then it stands still
 * at that time until moved again or reset, so time-driven behaviour is tested without sleeping and
 * with exact times.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class MovableClock extends Clock {
    /** The time the clock stands at; null: the system's time. */
    private volatile Instant fixed;

    /** From now on the clock reads {@code t}. */
    public void set(Instant t) {
        fixed = t;
    }

    /** Moves the clock on from where it is (the system's time if it was not set). */
    public void advance(Duration d) {
        fixed = instant().plus(d);
    }

    /** Back to the system's time. */
    public void reset() {
        fixed = null;
    }

    @Override
    public Instant instant() {
        Instant t = fixed;
        return t != null ? t : Instant.now();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return Clock.fixed(instant(), zone);
    }
}
