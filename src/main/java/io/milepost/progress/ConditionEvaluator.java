package io.milepost.progress;

import io.milepost.facts.Activity;
import io.milepost.facts.Event;
import io.milepost.facts.Milestone;
import io.milepost.facts.Stalled;
import io.milepost.facts.User;
import io.milepost.rules.RuleTexts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.drools.base.base.ClassObjectType;
import org.drools.base.base.ValueResolver;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.base.rule.Accumulate;
import org.drools.base.rule.Collect;
import org.drools.base.rule.Declaration;
import org.drools.base.rule.EvalCondition;
import org.drools.base.rule.Forall;
import org.drools.base.rule.From;
import org.drools.base.rule.GroupElement;
import org.drools.base.rule.Pattern;
import org.drools.base.rule.RuleConditionElement;
import org.drools.base.rule.constraint.Constraint;
import org.drools.base.util.index.ConstraintTypeOperator;
import org.drools.core.common.DefaultFactHandle;
import org.drools.mvel.MVELConstraint;
import org.kie.api.runtime.rule.FactHandle;

/**
 * Evaluates the top-level conditions of a compiled rule one at a time against a user's facts.
 *
 * <p>A pattern ({@code Activity( event == "search_performed", count >= 5 )}) is checked with its
 * own compiled constraints, each on its own, on the facts of its type; the constraints that compare
 * with a literal give the user's value and the threshold ({@code count} 4 against 5). The fact a
 * pattern is about is the one that passes its equality constraints on text ({@code event ==
 * "search_performed"}); an event the user never sent has no {@code Activity}, so its counts are
 * read from an empty one (0). {@code not} and {@code exists} over one such pattern are explained
 * the same way. Anything else (alternatives with {@code or}, {@code eval}, {@code accumulate},
 * {@code from}, {@code forall}, constraints on another pattern's variables, the event being
 * processed) is reported as not explained, with the reason, never guessed.
 */
final class ConditionEvaluator {
    private final ValueResolver resolver;
    private final List<Object> facts;
    private final java.time.Instant signup;
    private final java.time.Instant now;

    ConditionEvaluator(ValueResolver resolver, List<Object> facts, java.time.Instant signup, java.time.Instant now) {
        this.resolver = resolver;
        this.facts = facts;
        this.signup = signup;
        this.now = now;
    }

    /** The rule's top-level conditions, with their texts as written when {@code written} lines up with them. */
    List<ProgressView.Condition> conditions(RuleImpl rule, List<RuleTexts.ConditionText> written) {
        List<RuleConditionElement> elements = rule.getLhs().getChildren().stream()
                .filter(e -> !(e instanceof Pattern p && isInitialFact(p)))
                .toList();
        boolean aligned = written != null && written.size() == elements.size();
        List<ProgressView.Condition> result = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            RuleTexts.ConditionText text = aligned ? written.get(i) : null;
            result.add(condition(elements.get(i), text));
        }
        return result;
    }

    private ProgressView.Condition condition(RuleConditionElement element, RuleTexts.ConditionText written) {
        String drl = written != null && written.drl() != null ? written.drl() : describe(element);
        Texts t = new Texts(
                written != null && written.phrase() != null ? written.phrase() : drl,
                drl,
                written == null ? null : written.line());
        if (element instanceof Pattern pattern) {
            return pattern(pattern, t);
        }
        if (element instanceof GroupElement group && (group.isNot() || group.isExists())) {
            String kind = group.isNot() ? "not" : "exists";
            if (group.getChildren().size() == 1 && group.getChildren().get(0) instanceof Pattern inner) {
                String why = unexplainable(inner);
                if (why != null) {
                    return unexplained(t, kind, factName(inner), why);
                }
                Match m = match(inner);
                boolean any = m.matched != null;
                return new ProgressView.Condition(
                        t.text,
                        t.drl,
                        t.line,
                        group.isNot() != any,
                        true,
                        null,
                        kind,
                        factName(inner),
                        event(m.subject),
                        milestone(m.subject),
                        null,
                        null,
                        null,
                        m.checks);
            }
            return unexplained(
                    t,
                    kind,
                    null,
                    "a '" + kind + "' over more than one pattern: Milepost does not split it "
                            + "into parts it can check one by one");
        }
        if (element instanceof GroupElement group && group.isOr()) {
            return unexplained(
                    t,
                    "or",
                    null,
                    "alternatives ('or'): the rule holds through either one, and Milepost "
                            + "does not explain alternatives condition by condition");
        }
        if (element instanceof GroupElement group) {
            return unexplained(
                    t,
                    group.getType().toString().toLowerCase(),
                    null,
                    "a nested group of conditions: Milepost explains top-level conditions only");
        }
        if (element instanceof EvalCondition) {
            return unexplained(
                    t, "eval", null, "an eval(...) is code run by the rule: Milepost does not run it on its own");
        }
        if (element instanceof Forall) {
            return unexplained(t, "forall", null, "a 'forall' relates several facts: Milepost does not explain it");
        }
        return unexplained(
                t,
                element.getClass().getSimpleName().toLowerCase(),
                null,
                "a kind of condition Milepost does not explain ("
                        + element.getClass().getSimpleName() + ")");
    }

    private ProgressView.Condition pattern(Pattern pattern, Texts t) {
        String fact = factName(pattern);
        String why = unexplainable(pattern);
        if (why != null) {
            String kind = pattern.getSource() instanceof Accumulate
                    ? "accumulate"
                    : pattern.getSource() instanceof From
                            ? "from"
                            : pattern.getSource() instanceof Collect ? "collect" : "pattern";
            return unexplained(t, kind, fact, why);
        }
        Match m = match(pattern);
        // the first ordering comparison with a number is the threshold: "search_performed: 4 of 5"
        ProgressView.Check threshold = m.checks.stream()
                .filter(c ->
                        c.current() instanceof Number && c.required() instanceof Number && isOrdering(c.operator()))
                .findFirst()
                .orElse(null);
        return new ProgressView.Condition(
                t.text,
                t.drl,
                t.line,
                m.matched != null,
                true,
                null,
                "pattern",
                fact,
                event(m.subject),
                milestone(m.subject),
                threshold == null ? null : (Number) threshold.current(),
                threshold == null ? null : (Number) threshold.required(),
                threshold == null ? null : threshold.operator(),
                m.checks);
    }

    private static boolean isOrdering(String operator) {
        return operator != null
                && (operator.equals(">=") || operator.equals(">") || operator.equals("<=") || operator.equals("<"));
    }

    /** Why a pattern cannot be checked on its own, or null when it can. */
    private static String unexplainable(Pattern pattern) {
        if (pattern.getSource() instanceof Accumulate) {
            return "an accumulate computes over several facts: Milepost does not explain it";
        }
        if (pattern.getSource() != null) {
            return "matches facts from another source ('from', 'collect'): Milepost does not explain it";
        }
        if (!(pattern.getObjectType() instanceof ClassObjectType type)) {
            return "matches a declared or non-class fact type: Milepost does not explain it";
        }
        if (Event.class.equals(type.getClassType())) {
            return "matches the event being processed: it can hold only at the moment such an event arrives, "
                    + "never between events";
        }
        for (Constraint c : pattern.getConstraints()) {
            if (!(c instanceof MVELConstraint m)) {
                return "a constraint of a kind Milepost does not evaluate on its own ("
                        + c.getClass().getSimpleName() + ")";
            }
            if (m.getRequiredDeclarations().length > 0 || c.getType() != Constraint.ConstraintType.ALPHA) {
                return "compares with "
                        + String.join(
                                ", ",
                                Arrays.stream(m.getRequiredDeclarations())
                                        .map(Declaration::getIdentifier)
                                        .toList())
                        + ", bound by another condition: it holds only "
                        + "together with that one, which Milepost does not explain";
            }
        }
        return null;
    }

    /** The fact a pattern is about (the one passing its text equalities), and the one passing all, if any. */
    private Match match(Pattern pattern) {
        Class<?> type = ((ClassObjectType) pattern.getObjectType()).getClassType();
        List<MVELConstraint> constraints =
                pattern.getConstraints().stream().map(c -> (MVELConstraint) c).toList();
        List<MVELConstraint> keys =
                constraints.stream().filter(ConditionEvaluator::isKey).toList();
        List<Object> ofType = facts.stream().filter(type::isInstance).toList();
        Object matched =
                ofType.stream().filter(f -> allow(constraints, f)).findFirst().orElse(null);
        Object subject = matched;
        if (subject == null) {
            subject = ofType.stream().filter(f -> allow(keys, f)).findFirst().orElse(null);
        }
        if (subject == null && Activity.class.equals(type)) {
            subject = emptyActivity(keys);
        }
        if (subject == null && User.class.equals(type)) {
            subject = ofType.get(0); // one User per evaluation: its traits are what the constraints compare
        }
        List<ProgressView.Check> checks = new ArrayList<>();
        for (MVELConstraint c : constraints) {
            checks.add(check(c, subject));
        }
        return new Match(matched, subject, checks);
    }

    private ProgressView.Check check(MVELConstraint c, Object subject) {
        ConstraintTypeOperator op = c.getConstraintType();
        String operator = op == null || op == ConstraintTypeOperator.UNKNOWN || op == ConstraintTypeOperator.RANGE
                ? null
                : op.getOperator();
        Object required =
                operator == null || c.getField() == null ? null : c.getField().getValue();
        if (subject == null) {
            return new ProgressView.Check(c.getExpression(), false, null, required, operator);
        }
        Object current = null;
        if (operator != null && c.getFieldExtractor() != null) {
            try {
                current = c.getFieldExtractor().getValue(resolver, subject);
            } catch (RuntimeException e) {
                current = null; // the value is only shown; whether the constraint holds is decided below
            }
        }
        return new ProgressView.Check(c.getExpression(), allow(List.of(c), subject), current, required, operator);
    }

    private boolean allow(List<MVELConstraint> constraints, Object fact) {
        FactHandle handle = new DefaultFactHandle(0, fact);
        for (MVELConstraint c : constraints) {
            if (!c.isAllowed(handle, resolver)) {
                return false;
            }
        }
        return true;
    }

    /** An equality with a text literal ({@code event == "search_performed"}): names which fact the pattern is about. */
    private static boolean isKey(MVELConstraint c) {
        return c.getConstraintType() == ConstraintTypeOperator.EQUAL
                && c.getField() != null
                && c.getField().getValue() instanceof String;
    }

    /** The Activity of an event the user never sent: no occurrences, so every count is 0. */
    private Object emptyActivity(List<MVELConstraint> keys) {
        for (MVELConstraint key : keys) {
            Activity empty = new Activity(
                    (String) key.getField().getValue(),
                    0,
                    null,
                    null,
                    new TreeMap<>(),
                    at -> 0,
                    signup,
                    now,
                    property -> java.util.Map.of());
            if (allow(keys, empty)) {
                return empty;
            }
        }
        return null;
    }

    private static String event(Object subject) {
        return subject instanceof Activity a ? a.getEvent() : null;
    }

    private static String milestone(Object subject) {
        return subject instanceof Milestone m ? m.getName() : subject instanceof Stalled s ? s.getMilestone() : null;
    }

    private static ProgressView.Condition unexplained(Texts t, String kind, String fact, String reason) {
        return new ProgressView.Condition(
                t.text, t.drl, t.line, null, false, reason, kind, fact, null, null, null, null, null, List.of());
    }

    private static boolean isInitialFact(Pattern p) {
        return p.getObjectType() instanceof ClassObjectType t
                && t.getClassType() != null
                && t.getClassType().getSimpleName().equals("InitialFactImpl");
    }

    private static String factName(Pattern p) {
        return p.getObjectType() instanceof ClassObjectType t && t.getClassType() != null
                ? t.getClassType().getSimpleName()
                : String.valueOf(p.getObjectType());
    }

    /** The condition rebuilt from the compiled rule, when the text as written is not at hand. */
    private static String describe(RuleConditionElement element) {
        if (element instanceof Pattern p) {
            String constraints = String.join(
                    ", ",
                    p.getConstraints().stream()
                            .map(c -> c instanceof MVELConstraint m ? m.getExpression() : c.toString())
                            .toList());
            String binding =
                    p.getDeclaration() == null ? "" : p.getDeclaration().getIdentifier() + " : ";
            return binding + factName(p) + "( " + constraints + " )" + (p.getSource() != null ? " from ..." : "");
        }
        if (element instanceof GroupElement g) {
            String inner = String.join(
                    g.isOr() ? " or " : ", ",
                    g.getChildren().stream().map(ConditionEvaluator::describe).toList());
            return g.isOr() ? "( " + inner + " )" : g.getType().toString().toLowerCase() + " " + inner;
        }
        return element.getClass().getSimpleName();
    }

    private record Texts(String text, String drl, Integer line) {}

    private record Match(Object matched, Object subject, List<ProgressView.Check> checks) {}
}
