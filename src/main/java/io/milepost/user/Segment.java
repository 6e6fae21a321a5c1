package io.milepost.user;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A validated segment of users: who reached (or did not reach) a milestone, who stalled at one,
 * who signed up in a range, whose traits have given values, whose id starts with a prefix. Every
 * condition is optional; they all hold at once.
 *
 * @param reached     with {@code milestone}: true for users who reached it, false for those who did not
 * @param state       with {@code milestone}: where its users stand as the funnel counts them (null: any)
 * @param asOf        the time {@code state} is judged at (whose window is open or closed)
 * @param traits      trait name to the value it must have (as text)
 * @param idPrefix    {@code q}: the user id starts with this
 */
public record Segment(
        String milestone,
        boolean reached,
        State state,
        Instant asOf,
        String stalled,
        Instant signedUpFrom,
        Instant signedUpTo,
        Map<String, String> traits,
        String idPrefix) {

    /**
     * Where a milestone's users stand, as the journey funnel counts them: the users behind its
     * {@code reachedWithinWindow}, {@code inProgress} and {@code droppedOff} figures.
     */
    public enum State {
        /** Reached it within its window (any time, for a milestone without one). */
        REACHED_WITHIN_WINDOW,
        /** Not reached, window still open; for a milestone without a window: reached the one before it. */
        IN_PROGRESS,
        /** Not reached, reached the one before it, and its window closed. */
        DROPPED_OFF;

        /** The value of {@code state=} in a query. */
        public String parameter() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One user of a segment, as a JSON page lists it. */
    public record Member(
            String userId, Instant signedUpAt, String stage, Instant lastEventAt, Map<String, Object> traits) {}

    /** A page of a segment: its total size, these users, and the cursor of the next page (null at the end). */
    public record Page(long total, List<Member> users, String nextCursor) {}
}
