package io.milepost.facts;

import java.time.Instant;

/**
 * A milestone whose window closed before the user reached it.
 *
 * <pre>Stalled( milestone == "first_value" )</pre>
 */
public final class Stalled {
    private final String milestone;
    private final Instant since;

    public Stalled(String milestone, Instant since) {
        this.milestone = milestone;
        this.since = since;
    }

    /** The milestone the user stalled at. */
    public String getMilestone() {
        return milestone;
    }

    /** When its window closed. */
    public Instant getSince() {
        return since;
    }

    @Override
    public String toString() {
        return "Stalled[" + milestone + " since " + since + "]";
    }
}
