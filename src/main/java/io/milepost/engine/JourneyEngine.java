package io.milepost.engine;

import io.milepost.common.LogSafe;
import io.milepost.config.MilepostConfig;
import io.milepost.facts.Account;
import io.milepost.facts.Event;
import io.milepost.facts.Stalled;
import io.milepost.facts.User;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.runtime.KieSession;

/**
 * Applies a user's inputs to their state and evaluates the rules after each one, in event-time
 * order. Pure with respect to storage: the caller loads the state and records the outcomes, so
 * the service, dry runs and scenario tests share this one code path.
 *
 * <p>Time: an evaluation's "now" is the time of the event being processed, or the latest track
 * time the user already had if that is later (a late event). A milestone reached by a late event
 * is therefore never dated before the activity it builds on. Identifies do not move that mark, so
 * a user identified today and then given an imported history keeps the history's own times.
 *
 * <p>Replays rebuild a user from their stored events on a fresh state that holds back what is
 * already on record ({@link UserState#holdBackRecorded}): each recorded milestone and stall joins
 * the state when the evaluations reach its time, as it did live.
 */
public final class JourneyEngine {
    private static final Logger LOG = Logger.getLogger(JourneyEngine.class);
    /** Most scheduled looks one dry run takes between two inputs (a daily schedule over ~3 years). */
    private static final int MAX_SCHEDULED_LOOKS = 1000;

    /**
     * What arrives for a user: a track (with an event name; page and screen views are tracks), an
     * identify (with traits) or a group (an account id with the account's traits). {@code
     * firstTouch}: the {@link FirstTouch} traits the call's context gives, kept if the user has none yet.
     */
    public record Input(
            String messageId,
            Kind kind,
            String name,
            Map<String, Object> data,
            Instant timestamp,
            Map<String, Object> firstTouch) {

        /** What kind of call it was. */
        public enum Kind {
            TRACK,
            IDENTIFY,
            GROUP
        }

        public static Input track(String messageId, String name, Map<String, Object> properties, Instant at) {
            return new Input(messageId, Kind.TRACK, name, properties, at, Map.of());
        }

        public static Input identify(String messageId, Map<String, Object> traits, Instant at) {
            return new Input(messageId, Kind.IDENTIFY, null, traits, at, Map.of());
        }

        /** The user belongs to account {@code accountId}, whose traits are (at least) {@code traits}. */
        public static Input group(String messageId, String accountId, Map<String, Object> traits, Instant at) {
            return new Input(messageId, Kind.GROUP, accountId, traits, at, Map.of());
        }

        /** The same input, with the first-touch traits of the call's context. */
        public Input withFirstTouch(Map<String, Object> traits) {
            return new Input(messageId, kind, name, data, timestamp, traits);
        }

        boolean isTrack() {
            return kind == Kind.TRACK;
        }
    }

    private final int maxFirings;
    private final Duration maxEvaluationTime;

    /** @param maxEvaluationTime how long one evaluation may take before it is abandoned as a failure */
    public JourneyEngine(int maxFirings, Duration maxEvaluationTime) {
        this.maxFirings = maxFirings;
        this.maxEvaluationTime = maxEvaluationTime;
    }

    /** An engine with the default evaluation deadline (500 ms), for tools and tests. */
    public JourneyEngine(int maxFirings) {
        this(maxFirings, Duration.ofMillis(500));
    }

    /** An engine with the service's limits ({@code milepost.rules.max-firings}, {@code max-evaluation-time}). */
    public JourneyEngine(MilepostConfig.Rules limits) {
        this(limits.maxFirings(), limits.maxEvaluationTime());
    }

    /**
     * Applies {@code inputs} (any order) to {@code state}, evaluating after each, and returns what
     * is new. Before each input, the windows that closed before its time are closed ({@link
     * #advanceTo}), so a history imported at once reaches the same stalls, at the same times, as live
     * traffic. With no rule book (no rules ever compiled) the state is updated and nothing evaluated.
     */
    public Outcomes apply(RuleBook book, UserState state, List<Input> inputs) {
        Outcomes outcomes = new Outcomes();
        List<Input> ordered =
                inputs.stream().sorted(Comparator.comparing(Input::timestamp)).toList();
        boolean abandoned = false;
        for (Input in : ordered) {
            Instant now = state.lastEventAt() == null || in.timestamp().isAfter(state.lastEventAt())
                    ? in.timestamp()
                    : state.lastEventAt();
            if (book != null && !abandoned) {
                abandoned = !closeWindows(book, state, now, false, outcomes);
            }
            if (!in.firstTouch().isEmpty() && !FirstTouch.present(state.traits())) {
                state.mergeTraits(in.firstTouch());
            }
            switch (in.kind()) {
                case IDENTIFY -> {
                    state.mergeTraits(in.data());
                    Instant createdAt = SignupTime.fromTrait(in.data().get("createdAt"));
                    if (createdAt != null) {
                        state.signedUpAt(createdAt, true);
                    }
                }
                case GROUP -> state.joinAccount(in.name(), in.data());
                case TRACK -> {
                    state.history(in.name()).record(in.timestamp());
                    recordProperties(book, state, in);
                }
            }
            if (state.signedUpAt() == null
                    || !state.signupFromTrait() && in.timestamp().isBefore(state.signedUpAt())) {
                state.signedUpAt(in.timestamp(), false);
            }
            if (in.isTrack()) {
                state.lastEventAt(now);
            }
            // After one evaluation ran out of time, the rest of this call's inputs are only applied: each
            // would likely run out of time again while the user's row stays locked. The next call evaluates.
            if (book != null && !abandoned) {
                state.revealRecorded(now);
                Event event = in.isTrack() ? new Event(in.name(), in.data(), in.timestamp()) : null;
                abandoned = !evaluate(book, state, now, event, List.of(), outcomes);
            }
        }
        return outcomes;
    }

    /** The values of the properties the rules ask about, per value (text, number or true/false). */
    private static void recordProperties(RuleBook book, UserState state, Input in) {
        if (book == null) {
            return;
        }
        for (String property : book.propertiesOf(in.name())) {
            Object value = in.data().get(property);
            if (value instanceof String || value instanceof Number || value instanceof Boolean) {
                state.history(UserState.propertyKey(in.name(), property, String.valueOf(value)))
                        .record(in.timestamp());
            }
        }
    }

    /**
     * Brings the user's timeline up to {@code until}: each window that closed by then without its
     * milestone becomes a stall, earliest first, and the user is evaluated at its close time with its
     * {@code Stalled} fact (never before their latest event), so reactive rules answer it as they
     * would have live. The one path by which windows close, for ingestion, the stall sweep, replays
     * and dry runs.
     */
    public Outcomes advanceTo(RuleBook book, UserState state, Instant until) {
        Outcomes outcomes = new Outcomes();
        closeWindows(book, state, until, true, outcomes);
        return outcomes;
    }

    /**
     * Brings a dry run's user from {@code from} up to {@code until} as the scheduler would in the
     * service: each {@code @every} schedule that falls due after {@code from} and each window that
     * closes, in time order, the user evaluated at that time. For simulations and scenarios, which
     * have no scheduler (in the service, {@link Windows#nextCheck} wakes the user at those times).
     */
    public Outcomes runUntil(RuleBook book, UserState state, Instant from, Instant until, boolean inclusive) {
        Outcomes outcomes = new Outcomes();
        if (book == null) {
            return outcomes;
        }
        Instant cursor = from;
        for (int round = 0; round < MAX_SCHEDULED_LOOKS && cursor != null; round++) {
            Instant due = Windows.nextScheduled(book, state, cursor);
            if (due == null || (inclusive ? due.isAfter(until) : !due.isBefore(until))) {
                break;
            }
            if (!closeWindows(book, state, due, true, outcomes)
                    || !evaluate(book, state, due, null, List.of(), outcomes)) {
                return outcomes;
            }
            cursor = due;
        }
        closeWindows(book, state, until, inclusive, outcomes);
        return outcomes;
    }

    /**
     * Closes the windows closed before {@code limit} (at or before it if {@code inclusive}); returns
     * false when an evaluation was abandoned at its deadline.
     */
    private boolean closeWindows(RuleBook book, UserState state, Instant limit, boolean inclusive, Outcomes outcomes) {
        // each round closes one window or reveals held-back records; a reactive rule may reach a milestone
        // that opens another window, so the rounds are bounded by the catalog, not by one pass
        for (int round = 0; round <= 2 * book.milestones().size() + 1; round++) {
            Windows.Closed next = Windows.nextClosed(book, state, limit, inclusive);
            if (next == null) {
                return true;
            }
            Instant at = state.lastEventAt() != null && state.lastEventAt().isAfter(next.closedAt())
                    ? state.lastEventAt()
                    : next.closedAt();
            if (state.revealRecorded(at)) {
                continue; // a record held back until now may have settled the window: look again
            }
            state.stalls().put(next.milestone(), next.closedAt());
            outcomes.stalls.add(new Outcomes.Stall(next.milestone(), next.closedAt()));
            if (!evaluate(book, state, at, null, List.of(), outcomes)) {
                return false;
            }
        }
        return true;
    }

    /** Evaluates the user as they are at {@code now} (no new event), with the given stalls. */
    public Outcomes evaluateAt(RuleBook book, UserState state, Instant now, List<Stalled> stalled) {
        Outcomes outcomes = new Outcomes();
        state.revealRecorded(now);
        evaluate(book, state, now, null, stalled, outcomes);
        return outcomes;
    }

    /**
     * Evaluates on a rule worker ({@link EvaluationWorkers}) within {@code maxEvaluationTime}; any
     * {@link Throwable} of the rules (a {@code StackOverflowError} too) and an overrun are recorded
     * failures. Returns false when the evaluation was abandoned at its deadline.
     */
    private boolean evaluate(
            RuleBook book, UserState state, Instant now, Event event, List<Stalled> newStalls, Outcomes outcomes) {
        KieSession session = book.kieBase().newKieSession();
        Evaluation evaluation = new Evaluation(book, state, now, session);
        long deadline = System.nanoTime() + maxEvaluationTime.toNanos();
        EvaluationWorkers.Ending<Integer> ending = EvaluationWorkers.SHARED.run(
                () -> {
                    try {
                        session.addEventListener(new DefaultAgendaEventListener() {
                            @Override
                            public void beforeMatchFired(BeforeMatchFiredEvent e) {
                                // between firings: an overrun ends here by itself, without stopping the thread
                                if (System.nanoTime() - deadline > 0) {
                                    throw new DeadlineExceeded();
                                }
                                evaluation.ruleFiring(
                                        e.getMatch().getRule().getName(),
                                        List.copyOf(e.getMatch().getObjects()));
                            }
                        });
                        insertFacts(session, state, now, event, newStalls);
                        evaluation.bind();
                        return session.fireAllRules(maxFirings);
                    } finally {
                        evaluation.unbind();
                        session.dispose();
                    }
                },
                maxEvaluationTime);
        Throwable thrown = ending.thrown();
        // a rule may fail alone, but a heap that ran out is the whole process's: end it (FatalErrors)
        io.milepost.http.FatalErrors.onThrowable(thrown);
        if (ending.abandoned() || causeOf(thrown) instanceof DeadlineExceeded) {
            String rule = evaluation.currentRule();
            fail(
                    state,
                    now,
                    rule,
                    "abandoned after " + maxEvaluationTime.toMillis() + " ms (milepost.rules.max-evaluation-time) "
                            + (rule == null ? "while matching the rules' conditions" : "in rule \"" + rule + "\""),
                    outcomes);
            return false;
        }
        if (thrown != null) {
            Throwable cause = causeOf(thrown);
            fail(
                    state,
                    now,
                    evaluation.currentRule(),
                    cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()),
                    outcomes);
            return true;
        }
        if (ending.value() >= maxFirings) {
            fail(
                    state,
                    now,
                    evaluation.currentRule(),
                    "stopped after " + maxFirings
                            + " rule firings in one evaluation (do rules keep re-activating each other?)",
                    outcomes);
            return true;
        }
        outcomes.firedRules.addAll(evaluation.fired);
        for (Outcomes.MilestoneReached r : evaluation.reached) {
            state.milestones().put(r.milestone(), new UserState.Reached(r.milestone(), r.at(), r.rule()));
            outcomes.milestones.add(r);
        }
        for (Outcomes.ActionTriggered t : evaluation.triggered) {
            state.actions().put(t.action(), new UserState.ActionHistory(t.occurrence(), t.at(), t.rule()));
            outcomes.actions.add(t);
        }
        return true;
    }

    /** What a rule threw, out of Drools' wrapping (a {@code ConsequenceException} carries it as its cause). */
    private static Throwable causeOf(Throwable thrown) {
        return thrown instanceof RuntimeException && thrown.getCause() != null ? thrown.getCause() : thrown;
    }

    /** Thrown between firings once the deadline has passed. */
    private static final class DeadlineExceeded extends RuntimeException {
        DeadlineExceeded() {
            super("deadline exceeded", null, false, false);
        }
    }

    private void fail(UserState state, Instant now, String rule, String message, Outcomes outcomes) {
        // no user id at WARN (it would outlive the user's erasure); the timeline has the user
        LOG.warnf("rule evaluation failed in rule \"%s\": %s", rule, LogSafe.withoutUser(message, state.id()));
        LOG.debugf("rule evaluation failed for user %s in rule \"%s\"", state.id(), rule);
        outcomes.failures.add(
                new Outcomes.Failure(now, rule, message.length() > 2000 ? message.substring(0, 2000) : message));
    }

    private static void insertFacts(
            KieSession session, UserState state, Instant now, Event event, List<Stalled> newStalls) {
        Instant signup = state.signedUpAt() == null ? now : state.signedUpAt();
        session.insert(new User(state.id(), signup, java.util.Collections.unmodifiableMap(state.traits()), now));
        for (EventHistory h : state.activity().values()) {
            if (h.total() > 0) {
                session.insert(state.activityFact(h, now));
            }
        }
        for (Map.Entry<String, Map<String, Object>> a : state.accounts().entrySet()) {
            session.insert(new Account(a.getKey(), java.util.Collections.unmodifiableMap(a.getValue())));
        }
        for (UserState.Reached r : state.milestones().values()) {
            session.insert(new io.milepost.facts.Milestone(r.milestone(), r.at()));
        }
        for (Map.Entry<String, Instant> s : state.stalls().entrySet()) {
            session.insert(new Stalled(s.getKey(), s.getValue()));
        }
        for (Stalled s : newStalls) {
            if (!state.stalls().containsKey(s.getMilestone())) {
                session.insert(s);
            }
        }
        if (event != null) {
            session.insert(event);
        }
    }
}
