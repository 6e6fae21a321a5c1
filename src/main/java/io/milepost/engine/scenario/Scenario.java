package io.milepost.engine.scenario;

import java.util.List;
import java.util.Map;

/**
 * A rule scenario: given a user and their events, expect milestones and actions. Read from
 * {@code rules/tests/*.json}. Times are absolute ISO-8601 or relative to signup ({@code +2d},
 * {@code +1d2h}, {@code +30m}).
 */
public record Scenario(String name, String signedUpAt, Map<String, Object> traits, List<Step> events, String at,
                       Expect expect) {

    /** A track ({@code event}) or an identify ({@code identify}: traits). */
    public record Step(String event, Map<String, Object> properties, Map<String, Object> identify, String at) {
    }

    /** A milestone expected, optionally at a given time. */
    public record ExpectedMilestone(String name, String at) {
    }

    public record Expect(List<ExpectedMilestone> milestones, List<String> notMilestones, List<String> actions,
                         List<String> notActions, List<String> stalled, List<String> notStalled) {
    }
}
