package io.milepost.progress;

import io.milepost.engine.EventHistory;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.engine.RuleBook;
import io.milepost.engine.RuleInfo;
import io.milepost.engine.UserState;
import io.milepost.engine.Windows;
import io.milepost.facts.Account;
import io.milepost.facts.Milestone;
import io.milepost.facts.Stalled;
import io.milepost.facts.User;
import io.milepost.rules.RuleTexts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.drools.base.base.ValueResolver;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.KieSession;

/**
 * Works out a user's progress toward each milestone from the compiled rules: each top-level
 * condition of a milestone rule is evaluated on its own against the user's facts as they are
 * ({@link ConditionEvaluator}). Read-only: no fact is inserted, no rule fires, nothing is recorded.
 */
public final class ProgressEvaluator {

    /** The user's progress as of {@code now}, with the rules of {@code book}. */
    public ProgressView evaluate(RuleBook book, RuleTexts texts, UserState state, Instant now) {
        List<ProgressView.MilestoneProgress> milestones = new ArrayList<>();
        if (book == null) {
            return new ProgressView(state.id(), now, null, null, milestones);
        }
        Map<String, RuleImpl> compiled = new HashMap<>();
        for (KiePackage pkg : book.kieBase().getKiePackages()) {
            for (Rule rule : pkg.getRules()) {
                compiled.putIfAbsent(rule.getName(), (RuleImpl) rule);
            }
        }
        List<Object> facts = facts(state, now);
        // A session only lends its compiled-expression context to the constraints; nothing is inserted.
        KieSession session = book.kieBase().newKieSession();
        try {
            ConditionEvaluator conditions = new ConditionEvaluator(
                    (ValueResolver) session, facts, state.signedUpAt() == null ? now : state.signedUpAt(), now);
            for (MilestoneDefinition m : book.milestones()) {
                milestones.add(milestone(book, texts, compiled, conditions, m, state, now));
            }
        } finally {
            session.dispose();
        }
        return new ProgressView(state.id(), now, Windows.stage(book, state), book.version(), milestones);
    }

    private ProgressView.MilestoneProgress milestone(
            RuleBook book,
            RuleTexts texts,
            Map<String, RuleImpl> compiled,
            ConditionEvaluator conditions,
            MilestoneDefinition m,
            UserState state,
            Instant now) {
        UserState.Reached reached = state.milestones().get(m.name());
        Integer order = m.order() == Integer.MAX_VALUE ? null : m.order();
        ProgressView.Window window = window(m, state, now);
        Instant stalledSince = state.stalls().get(m.name());
        if (reached != null) {
            return new ProgressView.MilestoneProgress(
                    m.name(), order, true, reached.at(), reached.rule(), stalledSince, window, List.of());
        }
        List<ProgressView.RuleProgress> rules = new ArrayList<>();
        for (String name : m.rules()) {
            RuleImpl rule = compiled.get(name);
            if (rule == null) {
                continue;
            }
            String file = book.rule(name).map(RuleInfo::file).orElse(null);
            Optional<List<RuleTexts.ConditionText>> written = texts.conditions(file, name);
            List<ProgressView.Condition> found = conditions.conditions(rule, written.orElse(null));
            rules.add(new ProgressView.RuleProgress(name, file, holds(found), found));
        }
        return new ProgressView.MilestoneProgress(m.name(), order, false, null, null, stalledSince, window, rules);
    }

    /** False when an explained condition fails; true when all hold; otherwise unknown (null). */
    private static Boolean holds(List<ProgressView.Condition> conditions) {
        boolean unknown = false;
        for (ProgressView.Condition c : conditions) {
            if (Boolean.FALSE.equals(c.holds())) {
                return false;
            }
            unknown |= c.holds() == null;
        }
        return unknown ? null : true;
    }

    static ProgressView.Window window(MilestoneDefinition m, UserState state, Instant now) {
        if (m.within() == null) {
            return new ProgressView.Window("none", null, null, null, null, m.after());
        }
        Instant closesAt = Windows.closesAt(m, state);
        if (closesAt == null) {
            return new ProgressView.Window("not_started", null, null, null, m.within(), m.after());
        }
        Instant opensAt = closesAt.minus(m.within());
        boolean open = now.isBefore(closesAt);
        return new ProgressView.Window(
                open ? "open" : "closed",
                opensAt,
                closesAt,
                open ? Duration.between(now, closesAt) : null,
                m.within(),
                m.after());
    }

    /**
     * The facts an evaluation of this user at {@code now} would see, without an event: the same
     * ones {@code JourneyEngine} inserts (User, one Activity per event name, Accounts, reached Milestones,
     * Stalled). Built here rather than shared, as the engine builds them inside its session.
     */
    static List<Object> facts(UserState state, Instant now) {
        Instant signup = state.signedUpAt() == null ? now : state.signedUpAt();
        List<Object> facts = new ArrayList<>();
        facts.add(new User(state.id(), signup, Collections.unmodifiableMap(state.traits()), now));
        for (EventHistory h : state.activity().values()) {
            if (h.total() > 0) {
                facts.add(state.activityFact(h, now));
            }
        }
        for (Map.Entry<String, Map<String, Object>> a : state.accounts().entrySet()) {
            facts.add(new Account(a.getKey(), Collections.unmodifiableMap(a.getValue())));
        }
        for (UserState.Reached r : state.milestones().values()) {
            facts.add(new Milestone(r.milestone(), r.at()));
        }
        for (Map.Entry<String, Instant> s : state.stalls().entrySet()) {
            facts.add(new Stalled(s.getKey(), s.getValue()));
        }
        return facts;
    }
}
