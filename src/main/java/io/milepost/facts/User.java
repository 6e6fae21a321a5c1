package io.milepost.facts;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The user being evaluated. One per evaluation.
 *
 * <pre>User( trait("plan") == "team", daysSinceSignup &lt;= 7 )</pre>
 */
public final class User {
    private final String id;
    private final Instant signedUpAt;
    private final Map<String, Object> traits;
    private final Instant now;

    public User(String id, Instant signedUpAt, Map<String, Object> traits, Instant now) {
        this.id = id;
        this.signedUpAt = signedUpAt;
        this.traits = traits;
        this.now = now;
    }

    /** The user id (Segment {@code userId}, or {@code anonymousId} for anonymous users). */
    public String getId() {
        return id;
    }

    /** The {@code createdAt} trait if the user has one, else the time of their first event. */
    public Instant getSignedUpAt() {
        return signedUpAt;
    }

    /** Whole days between signup and now (0 on the day of signup). */
    public long getDaysSinceSignup() {
        return Math.max(0, Duration.between(signedUpAt, now).toDays());
    }

    /** A trait from {@code identify}, e.g. {@code trait("plan")}; null if the user has none. */
    public Object trait(String name) {
        return traits.get(name);
    }

    /** True when the user has this trait with a non-null value. */
    public boolean hasTrait(String name) {
        return traits.get(name) != null;
    }

    /** All traits, read-only. */
    public Map<String, Object> getTraits() {
        return traits;
    }

    @Override
    public String toString() {
        return "User[" + id + "]";
    }
}
