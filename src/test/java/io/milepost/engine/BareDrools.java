package io.milepost.engine;

import io.milepost.facts.Activity;
import io.milepost.facts.Event;
import io.milepost.facts.Milestone;
import io.milepost.facts.Stalled;
import io.milepost.facts.User;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kie.api.KieBase;
import org.kie.api.runtime.KieSession;

/**
 * The benchmark's "bare Drools" reference: the same rules and fact classes, with the least code
 * around them. Per input: new KieSession from the rule book's KieBase, insert User, one Activity
 * per event name, the Milestones so far and the Event, fireAllRules, dispose. No listener, no
 * sorting, no Outcomes. An {@link Evaluation} is bound only because the rules' consequences call
 * {@code reach(...)} / {@code trigger(...)}.
 *
 * <p>{@link #stalls} is the same for a stall sweep: per user, one session with the user's facts as
 * they are, plus a Stalled fact for each window given as closed.
 *
 * <p>Lives in this package (test sources) for Evaluation's package-private constructor and results.
 */
public final class BareDrools {
    private BareDrools() {
    }

    /** Evaluations run and milestones / actions they produced. */
    public record Result(long evaluations, long milestones, long actions) {
    }

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
                Evaluation evaluation = new Evaluation(book, state, now, session);
                evaluation.bind();
                try {
                    session.insert(new User(state.id(), signup, traits, now));
                    for (Counts a : activity.values()) {
                        session.insert(new Activity(a.event, a.total, a.first, a.last, a.perDay, a::countUntil, signup, now, property -> Map.of()));
                    }
                    for (UserState.Reached r : state.milestones().values()) {
                        session.insert(new Milestone(r.milestone(), r.at()));
                    }
                    session.insert(new Event(in.name(), in.data(), ts));
                    session.fireAllRules(maxFirings);
                } finally {
                    evaluation.unbind();
                    session.dispose();
                }
                evaluations++;
                for (Outcomes.MilestoneReached r : evaluation.reached) {
                    state.milestones().put(r.milestone(), new UserState.Reached(r.milestone(), r.at(), r.rule()));
                    milestones++;
                }
                for (Outcomes.ActionTriggered t : evaluation.triggered) {
                    state.actions().put(t.action(), new UserState.ActionHistory(t.occurrence(), t.at(), t.rule()));
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
    public static Result stalls(RuleBook book, List<UserState> states, Map<String, List<Stalled>> closed, Instant now,
                                int maxFirings) {
        KieBase kieBase = book.kieBase();
        long evaluations = 0;
        long actions = 0;
        for (UserState state : states) {
            Instant signup = state.signedUpAt() == null ? now : state.signedUpAt();
            KieSession session = kieBase.newKieSession();
            Evaluation evaluation = new Evaluation(book, state, now, session);
            evaluation.bind();
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
                evaluation.unbind();
                session.dispose();
            }
            evaluations++;
            actions += evaluation.triggered.size();
        }
        return new Result(evaluations, 0, actions);
    }
}
