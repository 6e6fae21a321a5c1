package io.milepost.replay;

import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What saving draft rules would change, summed over the users an impact preview looked at: per
 * milestone, how many users would newly reach it and how many would no longer reach it (against
 * their records under the rules in force), and how many would be stalled at it; per action, how
 * many users would get it and how many of them have not got it yet. Each user is rebuilt from their
 * stored events under the drafts, as a replay would, with nothing written or sent.
 */
public record Impact(long users, Map<String, MilestoneChange> milestones, Map<String, ActionChange> actions) {

    /** One milestone: users who reach it now (on record), under the drafts, newly, no longer; stalled under the drafts. */
    public record MilestoneChange(
            long reachedNow, long wouldReach, long newlyReached, long noLongerReached, long wouldStall) {
        MilestoneChange plus(MilestoneChange o) {
            return new MilestoneChange(
                    reachedNow + o.reachedNow,
                    wouldReach + o.wouldReach,
                    newlyReached + o.newlyReached,
                    noLongerReached + o.noLongerReached,
                    wouldStall + o.wouldStall);
        }
    }

    /** One action: users who would get it under the drafts, and of them those who have not got it yet. */
    public record ActionChange(long wouldFire, long newlyFired) {
        ActionChange plus(ActionChange o) {
            return new ActionChange(wouldFire + o.wouldFire, newlyFired + o.newlyFired);
        }
    }

    public static final Impact NONE = new Impact(0, Map.of(), Map.of());

    /** Thrown when a draft rule fails for a user: the user is counted as failed, not in the figures. */
    static final class Failed extends RuntimeException {
        Failed(Outcomes.Failure f) {
            super("rule \"" + f.rule() + "\" failed at " + f.at() + ": " + f.message());
        }
    }

    /** One user's change: {@code stored} as on record, rebuilt from {@code inputs} (their events in time order) under {@code drafts}. */
    static Impact of(
            JourneyEngine engine, RuleBook drafts, UserState stored, List<JourneyEngine.Input> inputs, Instant now) {
        UserState rebuilt = UserReplay.startOver(stored);
        for (Outcomes o : List.of(engine.apply(drafts, rebuilt, inputs), engine.advanceTo(drafts, rebuilt, now))) {
            if (!o.failures.isEmpty()) {
                throw new Failed(o.failures.get(0));
            }
        }
        Map<String, MilestoneChange> milestones = new TreeMap<>();
        java.util.Set<String> names =
                new java.util.TreeSet<>(stored.milestones().keySet());
        drafts.milestones().forEach(m -> names.add(m.name()));
        names.addAll(rebuilt.milestones().keySet());
        for (String m : names) {
            boolean now0 = stored.milestones().containsKey(m);
            boolean then = rebuilt.milestones().containsKey(m);
            milestones.put(
                    m,
                    new MilestoneChange(
                            now0 ? 1 : 0,
                            then ? 1 : 0,
                            then && !now0 ? 1 : 0,
                            now0 && !then ? 1 : 0,
                            rebuilt.stalls().containsKey(m) ? 1 : 0));
        }
        Map<String, ActionChange> actions = new TreeMap<>();
        for (String a : rebuilt.actions().keySet()) {
            actions.put(a, new ActionChange(1, stored.actions().containsKey(a) ? 0 : 1));
        }
        return new Impact(1, milestones, actions);
    }

    Impact plus(Impact o) {
        Map<String, MilestoneChange> m = new TreeMap<>(milestones);
        o.milestones.forEach((k, v) -> m.merge(k, v, MilestoneChange::plus));
        Map<String, ActionChange> a = new TreeMap<>(actions);
        o.actions.forEach((k, v) -> a.merge(k, v, ActionChange::plus));
        return new Impact(users + o.users, m, a);
    }
}
