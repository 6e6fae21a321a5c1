package io.milepost.rules.scenario;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.List;
import java.util.Map;

/**
 * A rule scenario: given a user and their events, expect milestones and actions. Read from
 * {@code rules/tests/*.json}. Times are absolute ISO-8601 or relative to signup ({@code +2d},
 * {@code +1d2h}, {@code +30m}).
 */
public record Scenario(
        String name, String signedUpAt, Map<String, Object> traits, List<Step> events, String at, Expect expect) {

    /** A track ({@code event}) or an identify ({@code identify}: traits). */
    public record Step(String event, Map<String, Object> properties, Map<String, Object> identify, String at) {}

    /** A milestone expected, optionally at a given time. */
    public record ExpectedMilestone(String name, String at) {}

    /**
     * An action expected to fire: its name alone ({@code "suggest_lists"}), or an object that also
     * expects payload entries (the payload may hold more), the time it fires and how many times it
     * fires in all:
     * {@code {"action": "rescue_first_value", "payload": {"tip": "Create your first list"}, "at": "+7d", "times": 1}}.
     */
    public record ExpectedAction(String action, Map<String, Object> payload, String at, Integer times) {
        @JsonCreator
        public ExpectedAction {}

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static ExpectedAction named(String action) {
            return new ExpectedAction(action, null, null, null);
        }
    }

    public record Expect(
            List<ExpectedMilestone> milestones,
            List<String> notMilestones,
            List<ExpectedAction> actions,
            List<String> notActions,
            List<String> stalled,
            List<String> notStalled) {}
}
