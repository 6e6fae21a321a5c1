package io.milepost.progress;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/users/{id}/progress}: where a user stands on each milestone of the journey, and
 * for each milestone not reached yet, which conditions of its rules hold.
 *
 * @param rulesVersion the rule set the conditions were read from
 */
public record ProgressView(
        String userId, Instant asOf, String stage, String rulesVersion, List<MilestoneProgress> milestones) {

    /**
     * One milestone. For a reached one, {@code rules} is empty: what made it happen is on record
     * ({@code reachedBy}).
     *
     * @param order        its place in the journey, null when its rules give none
     * @param stalledSince when its window closed unreached, null when it did not
     */
    public record MilestoneProgress(
            String milestone,
            Integer order,
            boolean reached,
            Instant reachedAt,
            String reachedBy,
            Instant stalledSince,
            Window window,
            List<RuleProgress> rules) {}

    /**
     * The milestone's window for this user.
     *
     * @param state    {@code open} (until closesAt), {@code closed}, {@code not_started} (its {@code @after}
     *                 milestone is not reached yet) or {@code none} (no {@code @within})
     * @param closesIn time left while open, else null
     */
    public record Window(
            String state, Instant opensAt, Instant closesAt, Duration closesIn, Duration within, String after) {}

    /**
     * One rule that defines the milestone.
     *
     * @param holds true when every condition holds, false when one does not, null when the ones
     *              Milepost can explain hold and others cannot be explained
     */
    public record RuleProgress(String rule, String file, Boolean holds, List<Condition> conditions) {}

    /**
     * One top-level condition of a rule.
     *
     * @param text      the author's phrase for a DSL line, else the DRL text of the condition
     * @param drl       the DRL text that was compiled
     * @param line      the author's line, null when unknown
     * @param holds     whether it holds for the user now; null when it cannot be explained
     * @param explained false when Milepost cannot evaluate this kind of condition on its own ({@code reason} says why)
     * @param kind      {@code pattern}, {@code not}, {@code exists}, {@code or}, {@code eval}, {@code accumulate}, ...
     * @param fact      the fact type it matches (Activity, User, Milestone, Stalled, Event)
     * @param event     for an Activity condition, the event name
     * @param milestone for a Milestone or Stalled condition, the milestone it names
     * @param current   the user's value for the condition's (first) threshold, e.g. 4 searches
     * @param required  the threshold, e.g. 5
     * @param operator  how they compare ({@code >=}, {@code >}, ...)
     * @param checks    each constraint of the condition on its own
     */
    public record Condition(
            String text,
            String drl,
            Integer line,
            Boolean holds,
            boolean explained,
            String reason,
            String kind,
            String fact,
            String event,
            String milestone,
            Number current,
            Number required,
            String operator,
            List<Check> checks) {}

    /**
     * One constraint of a condition, e.g. {@code count >= 5} or {@code trait("plan") == "team"}.
     *
     * @param current  the user's value of its left side (a count, a trait's value)
     * @param required the value it is compared with
     */
    public record Check(String text, Boolean holds, Object current, Object required, String operator) {}
}
