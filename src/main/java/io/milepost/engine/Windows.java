package io.milepost.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Milestone windows: when each closes for a user, and the next one still open. */
public final class Windows {
    private Windows() {}

    /** A window that has closed without the milestone. */
    public record Closed(String milestone, Instant closedAt) {}

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

    /**
     * When the user's window for {@code m} needs a look: its close time, unless the milestone was
     * reached in time or the stall is already recorded. A milestone reached only after its window
     * closed still stalls (reached late), so its close time is returned too.
     */
    private static Instant pendingClose(MilestoneDefinition m, UserState state) {
        if (state.stalls().containsKey(m.name()) || state.stalledLater(m.name())) {
            return null; // on record (a replay holds recorded stalls back until their time)
        }
        Instant close = closesAt(m, state);
        if (close == null) {
            return null;
        }
        UserState.Reached reached = state.milestones().get(m.name());
        if (reached == null) {
            reached = state.heldBack(m.name());
        }
        return reached != null && !reached.at().isAfter(close) ? null : close;
    }

    /**
     * The user's next check, or null: the earliest window close still to be acted on, or the next
     * time an action of an {@code @every} rule is due ({@link #nextScheduled}), so that scheduled
     * actions recur without new events. ({@code @repeat} rules wait for the user's next evaluation.)
     */
    public static Instant nextCheck(RuleBook book, UserState state, Instant now) {
        if (book == null) {
            return null;
        }
        Instant next = null;
        for (MilestoneDefinition m : book.milestones()) {
            Instant close = pendingClose(m, state);
            if (close != null && (next == null || close.isBefore(next))) {
                next = close;
            }
        }
        Instant due = nextScheduled(book, state, now);
        return due != null && (next == null || due.isBefore(next)) ? due : next;
    }

    /**
     * The first time after {@code after} at which an action of an {@code @every} rule is due for the
     * user ({@code lastAt + k * period}), or null.
     */
    public static Instant nextScheduled(RuleBook book, UserState state, Instant after) {
        Instant next = null;
        for (UserState.ActionHistory a : state.actions().values()) {
            java.time.Duration every = a.rule() == null
                    ? null
                    : book.rule(a.rule()).map(RuleInfo::every).orElse(null);
            if (every == null) {
                continue;
            }
            Instant due = a.lastAt().plus(every);
            if (!due.isAfter(after)) {
                long periods = java.time.Duration.between(a.lastAt(), after).dividedBy(every) + 1;
                due = a.lastAt().plus(every.multipliedBy(periods));
            }
            if (next == null || due.isBefore(next)) {
                next = due;
            }
        }
        return next;
    }

    /**
     * The earliest window that closed before {@code limit} (at or before, if {@code inclusive})
     * without its milestone in time and is not a stall yet, or null.
     */
    static Closed nextClosed(RuleBook book, UserState state, Instant limit, boolean inclusive) {
        Closed next = null;
        for (MilestoneDefinition m : book.milestones()) {
            Instant close = pendingClose(m, state);
            if (close != null
                    && (inclusive ? !close.isAfter(limit) : close.isBefore(limit))
                    && (next == null || close.isBefore(next.closedAt()))) {
                next = new Closed(m.name(), close);
            }
        }
        return next;
    }

    /** Windows closed by {@code now} without the milestone in time, and not yet recorded as stalls. */
    public static List<Closed> closed(RuleBook book, UserState state, Instant now) {
        List<Closed> closed = new ArrayList<>();
        for (MilestoneDefinition m : book.milestones()) {
            Instant close = pendingClose(m, state);
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
