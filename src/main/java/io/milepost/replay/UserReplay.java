package io.milepost.replay;

import io.milepost.engine.EventHistory;
import io.milepost.engine.FirstTouch;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.engine.Windows;
import io.milepost.milestone.OutcomeRecorder;
import io.milepost.milestone.OutcomeRecorder.Sending;
import io.milepost.store.EventLog;
import io.milepost.store.UserStateStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-evaluates one user under the current rules, in the caller's transaction with the user's row
 * locked. The user is rebuilt from their stored events on a fresh state, evaluated after each event
 * in event-time order exactly as ingestion evaluates (the same {@link JourneyEngine}), so a new
 * milestone gets the time of the event that completed it. What is already on record stays as it is
 * and joins the rebuilt state at its own time; only what is new is recorded, with the current rules
 * version. Then, as the stall sweep would, windows the new rules closed are recorded as stalls and
 * the reactive rules evaluated, and the user's stage and next check are brought up to date.
 *
 * <p>Everything is worked out in memory before anything is written: a user whose rules fail at any
 * step is left exactly as they were ({@link RuleFailure}), since a milestone recorded from a
 * partial evaluation would keep a wrong time for good.
 */
@ApplicationScoped
public class UserReplay {

    /** What replaying users recorded. */
    record Tally(long milestones, long actionsFired, long actionsSuppressed, long stalls) {
        static final Tally NONE = new Tally(0, 0, 0, 0);

        Tally plus(Tally o) {
            return new Tally(
                    milestones + o.milestones,
                    actionsFired + o.actionsFired,
                    actionsSuppressed + o.actionsSuppressed,
                    stalls + o.stalls);
        }
    }

    /** A rule failed while the user was replayed; nothing of theirs was recorded. */
    static final class RuleFailure extends RuntimeException {
        RuleFailure(Outcomes.Failure f) {
            super("rule \"" + f.rule() + "\" failed at " + f.at() + ": " + f.message());
        }
    }

    private final EventLog log;
    private final UserStateStore store;
    private final OutcomeRecorder recorder;
    private final JourneyEngine engine;

    public UserReplay(EventLog log, UserStateStore store, OutcomeRecorder recorder, JourneyEngine engine) {
        this.log = log;
        this.store = store;
        this.recorder = recorder;
        this.engine = engine;
    }

    /**
     * Replays a loaded (locked) user from {@code events}, their stored events in time order.
     *
     * @throws RuleFailure when a rule fails for the user; nothing is recorded then
     */
    Tally replay(
            RuleBook book, UserStateStore.Loaded user, List<EventLog.Stored> events, Sending sending, Instant now) {
        UserState stored = user.state();
        UserState rebuilt = startOver(stored);
        rebuilt.holdBackRecorded(stored.milestones(), stored.stalls());
        // every action on record counts from the start: "once per user" holds across the replay
        rebuilt.actions().putAll(stored.actions());
        Outcomes found =
                engine.apply(book, rebuilt, events.stream().map(log::input).toList());
        requireNoFailure(found);
        // A user already due keeps their appointment with the stall sweep, which closes their windows
        // live, as it would have without the replay. Otherwise every window the new rules closed since the
        // last event is closed here, at its own time, and delivered as the replay's actions are.
        boolean due = user.nextCheckAt() != null && !user.nextCheckAt().isAfter(now);
        Outcomes later = due ? new Outcomes() : engine.advanceTo(book, rebuilt, now);
        requireNoFailure(later);
        for (Outcomes o : List.of(found, later)) {
            for (Outcomes.MilestoneReached m : o.milestones) {
                stored.milestones().put(m.milestone(), new UserState.Reached(m.milestone(), m.at(), m.rule()));
            }
            for (Outcomes.ActionTriggered a : o.actions) {
                stored.actions().put(a.action(), new UserState.ActionHistory(a.occurrence(), a.at(), a.rule()));
            }
            o.stalls.forEach(st -> stored.stalls().put(st.milestone(), st.since()));
        }
        String stage = recorder.record(book, stored, user.stage(), found, now, sending);
        stage = recorder.record(book, stored, stage, later, now, sending);
        Instant next = due ? user.nextCheckAt() : Windows.nextCheck(book, stored, now);
        if (sameTotals(stored.properties(), rebuilt.properties())) {
            store.saveStage(user, stage, next, now);
        } else {
            // a rule asks about a property the stored state did not keep yet: the replay built it from the events
            stored.properties().clear();
            stored.properties().putAll(rebuilt.properties());
            store.saveUser(user, stage, next, now);
        }

        long sent = java.util.stream.Stream.concat(found.actions.stream(), later.actions.stream())
                .filter(a -> recorder.suppression(a, now, sending) == null)
                .count();
        long actions = found.actions.size() + later.actions.size();
        return new Tally(
                found.milestones.size() + later.milestones.size(),
                sent,
                actions - sent,
                found.stalls.size() + later.stalls.size());
    }

    private static void requireNoFailure(Outcomes outcomes) {
        if (!outcomes.failures.isEmpty()) {
            throw new RuleFailure(outcomes.failures.get(0));
        }
    }

    /**
     * A user as a rebuild from their events starts: nothing but where they came from, which is not in
     * the events (it was in their calls' context) and so holds from the start.
     */
    static UserState startOver(UserState stored) {
        UserState fresh = UserState.fresh(stored.id());
        Map<String, Object> touch = new LinkedHashMap<>();
        FirstTouch.TRAITS.stream()
                .filter(stored.traits()::containsKey)
                .forEach(k -> touch.put(k, stored.traits().get(k)));
        fresh.mergeTraits(touch);
        return fresh;
    }

    private static boolean sameTotals(Map<String, EventHistory> a, Map<String, EventHistory> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, EventHistory> e : a.entrySet()) {
            if (e.getValue().total() != b.get(e.getKey()).total()) {
                return false;
            }
        }
        return true;
    }
}
