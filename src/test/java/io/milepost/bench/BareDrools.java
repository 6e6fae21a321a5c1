package io.milepost.bench;

import io.milepost.engine.EventHistory;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.facts.Activity;
import io.milepost.facts.Consequences;
import io.milepost.facts.Event;
import io.milepost.facts.Milestone;
import io.milepost.facts.Stalled;
import io.milepost.facts.User;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.kie.api.KieBase;
import org.kie.api.runtime.KieSession;

/**
 * The benchmark's "bare Drools" reference: the same rules and fact classes, with the least code
 * around them. Per input: new KieSession from the rule book's KieBase, insert User, one Activity
 * per event name, the Milestones so far and the Event, fireAllRules, dispose. No listener, no
 * sorting, no Outcomes. The rules' consequences call {@code reach(...)} / {@code trigger(...)}:
 * a bare {@link Consequences} keeps each milestone once per user (and inserts its fact, so rules
 * chain as in the service) and each action once per user.
 *
 * <p>{@link #stalls} is the same for a stall sweep: per user, one session with the user's facts as
 * they are, plus a Stalled fact for each window given as closed.
 */
public final class BareDrools {
    private BareDrools() {}

    /** Evaluations run and milestones / actions they produced. */
    public record Result(long evaluations, long milestones, long actions) {}

    private static final class Counts {
        final String event;
        final TreeMap<LocalDate, Integer> perDay = new TreeMap<>();
        final TreeMap<Instant, Integer> times = new TreeMap<>();
        long total;
        Instant first;
        Instant last;

        Counts(String event) {
            this.event = event;
        }

        long countUntil(Instant at) {
            long n = 0;
            for (int c : times.headMap(at, true).values()) {
                n += c;
            }
            return n;
        }
    }

    public static Result run(RuleBook book, Map<String, List<JourneyEngine.Input>> inputsByUser, int maxFirings) {
        KieBase kieBase = book.kieBase();
        long evaluations = 0;
        long milestones = 0;
        long actions = 0;
        for (Map.Entry<String, List<JourneyEngine.Input>> user : inputsByUser.entrySet()) {
            UserState state = UserState.fresh(user.getKey());
            Map<String, Counts> activity = new TreeMap<>();
            Map<String, Object> traits = new HashMap<>();
            Instant signup = null;
            Instant lastTrack = null;
            for (JourneyEngine.Input in : user.getValue()) {
                Instant ts = in.timestamp();
                Instant now = lastTrack == null || ts.isAfter(lastTrack) ? ts : lastTrack;
                lastTrack = now;
                signup = signup == null || ts.isBefore(signup) ? ts : signup;
                Counts c = activity.computeIfAbsent(in.name(), Counts::new);
                c.perDay.merge(LocalDate.ofInstant(ts, ZoneOffset.UTC), 1, Integer::sum);
                c.times.merge(ts, 1, Integer::sum);
                c.total++;
                c.first = c.first == null || ts.isBefore(c.first) ? ts : c.first;
                c.last = c.last == null || ts.isAfter(c.last) ? ts : c.last;

                KieSession session = kieBase.newKieSession();
                Bare evaluation = new Bare(state, now, session);
                Consequences.bind(evaluation);
                try {
                    session.insert(new User(state.id(), signup, traits, now));
                    for (Counts a : activity.values()) {
                        session.insert(new Activity(
                                a.event,
                                a.total,
                                a.first,
                                a.last,
                                a.perDay,
                                a::countUntil,
                                signup,
                                now,
                                property -> Map.of()));
                    }
                    for (UserState.Reached r : state.milestones().values()) {
                        session.insert(new Milestone(r.milestone(), r.at()));
                    }
                    session.insert(new Event(in.name(), in.data(), ts));
                    session.fireAllRules(maxFirings);
                } finally {
                    Consequences.unbind();
                    session.dispose();
                }
                evaluations++;
                for (String m : evaluation.reached) {
                    state.milestones().put(m, new UserState.Reached(m, now, null));
                    milestones++;
                }
                for (String a : evaluation.triggered) {
                    state.actions().put(a, new UserState.ActionHistory(1, now, null));
                    actions++;
                }
            }
        }
        return new Result(evaluations, milestones, actions);
    }

    /**
     * One evaluation per user at {@code now}: new KieSession, insert User, one Activity per event
     * name, the user's Milestones and earlier Stalled facts, plus one Stalled per entry of
     * {@code closed} for that user, fireAllRules, dispose. The states are read, not changed.
     */
    public static Result stalls(
            RuleBook book, List<UserState> states, Map<String, List<Stalled>> closed, Instant now, int maxFirings) {
        KieBase kieBase = book.kieBase();
        long evaluations = 0;
        long actions = 0;
        for (UserState state : states) {
            Instant signup = state.signedUpAt() == null ? now : state.signedUpAt();
            KieSession session = kieBase.newKieSession();
            Bare evaluation = new Bare(state, now, session);
            Consequences.bind(evaluation);
            try {
                session.insert(new User(state.id(), signup, state.traits(), now));
                for (EventHistory h : state.activity().values()) {
                    session.insert(state.activityFact(h, now));
                }
                for (UserState.Reached r : state.milestones().values()) {
                    session.insert(new Milestone(r.milestone(), r.at()));
                }
                for (Map.Entry<String, Instant> s : state.stalls().entrySet()) {
                    session.insert(new Stalled(s.getKey(), s.getValue()));
                }
                for (Stalled s : closed.getOrDefault(state.id(), List.of())) {
                    session.insert(s);
                }
                session.fireAllRules(maxFirings);
            } finally {
                Consequences.unbind();
                session.dispose();
            }
            evaluations++;
            actions += evaluation.triggered.size();
        }
        return new Result(evaluations, 0, actions);
    }

    /** reach: once per user, its fact inserted at once; trigger: once per user. */
    private static final class Bare implements Consequences {
        final UserState state;
        final Instant now;
        final KieSession session;
        final Set<String> reached = new LinkedHashSet<>();
        final Set<String> triggered = new LinkedHashSet<>();

        Bare(UserState state, Instant now, KieSession session) {
            this.state = state;
            this.now = now;
            this.session = session;
        }

        @Override
        public void reach(String milestone) {
            if (!state.milestones().containsKey(milestone) && reached.add(milestone)) {
                session.insert(new Milestone(milestone, now));
            }
        }

        @Override
        public void trigger(String action, Map<String, ?> payload) {
            if (!state.actions().containsKey(action)) {
                triggered.add(action);
            }
        }
    }
}
