package io.milepost.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Milestone windows: when each closes for a user, and the next one still open. */
public final class Windows {
    private Windows() {
    }

    /** A window that has closed without the milestone. */
    public record Closed(String milestone, Instant closedAt) {
    }

    /** When the milestone's window closes for this user, or null (no window, or its start not reached yet). */
    public static Instant closesAt(MilestoneDefinition m, UserState state) {
        if (m.within() == null || state.signedUpAt() == null) {
            return null;
        }
        if (m.after() == null) {
            return state.signedUpAt().plus(m.within());
        }
        UserState.Reached start = state.milestones().get(m.after());
        return start == null ? null : start.at().plus(m.within());
    }

    /** The earliest close of a window that is still open and unreached (the user's next check), or null. */
    public static Instant nextCheck(RuleBook book, UserState state) {
        Instant next = null;
        if (book == null) {
            return null;
        }
        for (MilestoneDefinition m : book.milestones()) {
            if (state.milestones().containsKey(m.name()) || state.stalls().containsKey(m.name())) {
                continue;
            }
            Instant close = closesAt(m, state);
            if (close != null && (next == null || close.isBefore(next))) {
                next = close;
            }
        }
        return next;
    }

    /** Windows closed at {@code now} whose milestone is neither reached nor already recorded as stalled. */
    public static List<Closed> closed(RuleBook book, UserState state, Instant now) {
        List<Closed> closed = new ArrayList<>();
        for (MilestoneDefinition m : book.milestones()) {
            if (state.milestones().containsKey(m.name()) || state.stalls().containsKey(m.name())) {
                continue;
            }
            Instant close = closesAt(m, state);
            if (close != null && !close.isAfter(now)) {
                closed.add(new Closed(m.name(), close));
            }
        }
        return closed;
    }

    /** The name of the highest-ordered milestone in the catalog the user has reached, or null. */
    public static String stage(RuleBook book, UserState state) {
        if (book == null) {
            return null;
        }
        String stage = null;
        for (MilestoneDefinition m : book.milestones()) {
            if (state.milestones().containsKey(m.name())) {
                stage = m.name();
            }
        }
        return stage;
    }
}
