package io.milepost.engine;

import io.milepost.facts.Consequences;
import io.milepost.facts.Milestone;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kie.api.runtime.KieSession;

/**
 * One evaluation in progress: the scope behind {@code reach(...)} and {@code trigger(...)}.
 * Bound to the evaluating thread while the session fires; its results count only if the whole
 * evaluation succeeds.
 */
public final class Evaluation implements Consequences {
    private final RuleBook book;
    private final UserState state;
    private final Instant now;
    private final KieSession session;
    /** Read by the waiting caller when the evaluation runs out of time, so it can name the rule. */
    private volatile String currentRule;
    /** The facts the firing rule matched. */
    private List<Object> currentFacts = List.of();

    final List<Outcomes.MilestoneReached> reached = new ArrayList<>();
    final List<Outcomes.ActionTriggered> triggered = new ArrayList<>();
    final List<String> fired = new ArrayList<>();

    Evaluation(RuleBook book, UserState state, Instant now, KieSession session) {
        this.book = book;
        this.state = state;
        this.now = now;
        this.session = session;
    }

    void bind() {
        Consequences.bind(this);
    }

    void unbind() {
        Consequences.unbind();
    }

    void ruleFiring(String rule, List<Object> facts) {
        currentRule = rule;
        currentFacts = facts;
        fired.add(rule);
    }

    String currentRule() {
        return currentRule;
    }

    @Override
    public void reach(String milestone) {
        requireName("milestone", milestone);
        if (state.milestones().containsKey(milestone)
                || state.reachedLater(milestone)
                || reached.stream().anyMatch(r -> r.milestone().equals(milestone))) {
            return;
        }
        reached.add(new Outcomes.MilestoneReached(milestone, now, currentRule));
        session.insert(new Milestone(milestone, now));
    }

    @Override
    public void trigger(String action, Map<String, ?> payload) {
        requireName("action", action);
        RuleInfo rule = book.rule(currentRule).orElse(null);
        Duration repeat = rule == null ? null : rule.again();
        int previous = 0;
        Instant lastAt = null;
        UserState.ActionHistory history = state.actions().get(action);
        if (history != null) {
            previous = history.occurrences();
            lastAt = history.lastAt();
        }
        for (Outcomes.ActionTriggered t : triggered) {
            if (t.action().equals(action)) {
                previous = t.occurrence();
                lastAt = t.at();
            }
        }
        if (previous > 0 && (repeat == null || now.isBefore(lastAt.plus(repeat)))) {
            return;
        }
        Map<String, Object> copy = new LinkedHashMap<>(payload);
        boolean heldOut = rule != null && rule.holdout() != null && Holdout.heldOut(state.id(), action, rule.holdout());
        triggered.add(new Outcomes.ActionTriggered(
                action,
                previous + 1,
                now,
                currentRule,
                copy,
                heldOut,
                answersResolvedStall() ? Outcomes.STALL_RESOLVED : null));
    }

    /**
     * Whether the firing rule matched a {@code Stalled} fact whose milestone the user has reached by
     * now (late): the stall it answers is over, so what it would send is no longer news.
     */
    private boolean answersResolvedStall() {
        for (Object fact : currentFacts) {
            if (fact instanceof io.milepost.facts.Stalled s) {
                String m = s.getMilestone();
                if (state.milestones().containsKey(m)
                        || reached.stream().anyMatch(r -> r.milestone().equals(m))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void requireName(String what, String name) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new IllegalArgumentException(what + " name must be 1 to 200 characters, got '" + name + "'");
        }
    }
}
