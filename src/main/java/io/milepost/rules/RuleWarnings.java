package io.milepost.rules;

import io.milepost.engine.RuleBook;
import io.milepost.engine.RuleInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What is legal in a rule set but likely not what its author meant, found in the compiled text of
 * rules that compiled: a milestone asked about that no rule reaches, a fact a rule inserts (gone at
 * the user's next event), a "within N days of signup" count that disagrees with the milestone's own
 * window, an action no webhook endpoint receives. Each is placed at the author's line.
 */
public final class RuleWarnings {
    private static final Pattern MILESTONE_ASKED = Pattern.compile(
            "\\bMilestone\\s*\\(\\s*name\\s*==\\s*\"([^\"]*)\"|\\bStalled\\s*\\(\\s*milestone\\s*==\\s*\"([^\"]*)\"|\\breach\\s*\\(\\s*\"([^\"]*)\"");
    private static final Pattern INSERT = Pattern.compile("\\b(insert|insertLogical)\\s*\\(");
    private static final Pattern WITHIN_COUNT =
            Pattern.compile("\\b(?:countWithin|countWhereWithin|distinctWithin|sumWithin)\\s*\\(([^)]*?)(\\d+)\\s*\\)");
    private static final Pattern TRIGGER = Pattern.compile("\\btrigger\\s*\\(\\s*\"([^\"]*)\"");
    private static final Pattern RULE = Pattern.compile("\\brule\\s+\"([^\"]*)\"");
    private static final Pattern EVENT_ASKED = Pattern.compile(
            "\\bActivity\\s*\\([^)]*?\\bevent\\s*==\\s*\"([^\"]*)\"|\\bEvent\\s*\\([^)]*?\\bname\\s*==\\s*\"([^\"]*)\"");

    /** The event names the rules in {@code sources} ask about, each with where it is first asked. */
    public static Map<String, int[]> eventsAsked(RuleSource source) {
        Map<String, int[]> asked = new LinkedHashMap<>();
        Matcher m = EVENT_ASKED.matcher(source.compiled());
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            int at = m.group(1) != null ? m.start(1) : m.start(2);
            asked.putIfAbsent(name, new int[] {at});
        }
        return asked;
    }

    /** A warning for each event a rule asks about that is in {@code notReceived}, once per event and file. */
    public static List<RuleProblem> notReceived(Collection<RuleSource> sources, Set<String> notReceived, int days) {
        List<RuleProblem> warnings = new ArrayList<>();
        for (RuleSource source : sources) {
            eventsAsked(source).forEach((name, at) -> {
                if (notReceived.contains(name)) {
                    warnings.add(source.problemAt(
                            at[0],
                            "no \"" + name + "\" event has arrived in the last " + days
                                    + " days: check the name against what your product sends"));
                }
            });
        }
        return warnings;
    }

    private RuleWarnings() {}

    /**
     * @param sources          the rule files as compiled
     * @param book             what they compiled into
     * @param actionIsReceived whether some enabled webhook endpoint receives an action of this name
     *                         (null: not checked)
     */
    public static List<RuleProblem> of(
            Collection<RuleSource> sources, RuleBook book, Predicate<String> actionIsReceived) {
        Set<String> catalog = new java.util.HashSet<>();
        book.milestones().forEach(m -> catalog.add(m.name()));
        Map<String, Duration> windows = new LinkedHashMap<>();
        book.milestones().forEach(m -> {
            if (m.within() != null && m.after() == null) {
                windows.put(m.name(), m.within());
            }
        });
        List<RuleProblem> warnings = new ArrayList<>();
        Set<String> warnedActions = new java.util.HashSet<>();
        for (RuleSource source : sources) {
            String text = source.compiled();
            Matcher asked = MILESTONE_ASKED.matcher(text);
            while (asked.find()) {
                String name = asked.group(1) != null
                        ? asked.group(1)
                        : asked.group(2) != null ? asked.group(2) : asked.group(3);
                if (!catalog.contains(name)) {
                    warnings.add(source.problemAt(
                            asked.start(),
                            asked.group(3) != null
                                    ? "milestone \"" + name
                                            + "\" is recorded here but no rule declares it with @milestone: it has no "
                                            + "place in the journey, no window and no KPIs"
                                    : "milestone \"" + name
                                            + "\" is not reached by any rule: this condition can never hold"));
                }
            }
            Matcher insert = INSERT.matcher(text);
            while (insert.find()) {
                warnings.add(source.problemAt(
                        insert.start(),
                        "a fact inserted by a rule lasts for this evaluation only: "
                                + "at the user's next event it is gone. To remember something, record a milestone"));
            }
            Matcher rule = RULE.matcher(text);
            List<int[]> ruleStarts = new ArrayList<>();
            List<String> ruleNames = new ArrayList<>();
            while (rule.find()) {
                ruleStarts.add(new int[] {rule.start()});
                ruleNames.add(rule.group(1));
            }
            Matcher within = WITHIN_COUNT.matcher(text);
            while (within.find()) {
                String ruleName = enclosing(ruleStarts, ruleNames, within.start());
                String milestone = ruleName == null
                        ? null
                        : book.rule(ruleName).map(RuleInfo::milestone).orElse(null);
                Duration window = milestone == null ? null : windows.get(milestone);
                long days = Long.parseLong(within.group(2));
                if (window != null && !window.equals(Duration.ofDays(days))) {
                    warnings.add(source.problemAt(
                            within.start(),
                            "this counts " + days + " days from signup, but milestone \""
                                    + milestone + "\" has a window of " + human(window)
                                    + " (@within): a user may reach it after "
                                    + "the window or not before it closes"));
                }
            }
            if (actionIsReceived != null) {
                Matcher trigger = TRIGGER.matcher(text);
                while (trigger.find()) {
                    String action = trigger.group(1);
                    if (!actionIsReceived.test(action) && warnedActions.add(action)) {
                        warnings.add(source.problemAt(
                                trigger.start(),
                                "no enabled webhook endpoint receives action \"" + action
                                        + "\": it will be recorded and counted, and sent nowhere"));
                    }
                }
            }
        }
        return warnings;
    }

    private static String enclosing(List<int[]> starts, List<String> names, int offset) {
        String name = null;
        for (int i = 0; i < starts.size() && starts.get(i)[0] < offset; i++) {
            name = names.get(i);
        }
        return name;
    }

    private static String human(Duration d) {
        return d.toHours() % 24 == 0 ? d.toDays() + " days" : d.toHours() + " hours";
    }
}
