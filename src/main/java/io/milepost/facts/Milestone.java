package io.milepost.facts;

import java.time.Instant;

/**
 * A milestone the user has reached, including one reached earlier in this same evaluation.
 *
 * <pre>Milestone( name == "first_value" )</pre>
 */
public final class Milestone {
    private final String name;
    private final Instant reachedAt;

    public Milestone(String name, Instant reachedAt) {
        this.name = name;
        this.reachedAt = reachedAt;
    }

    /** The milestone name, as in {@code @milestone("...")}. */
    public String getName() {
        return name;
    }

    /** The time of the event that completed it. */
    public Instant getReachedAt() {
        return reachedAt;
    }

    @Override
    public String toString() {
        return "Milestone[" + name + " @ " + reachedAt + "]";
    }
}
