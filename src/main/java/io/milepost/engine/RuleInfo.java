package io.milepost.engine;

import java.time.Duration;

/**
 * One loaded rule: its name, the file it came from, the milestone it defines (if any), its
 * {@code @repeat} interval (its actions may fire again that long after, at the user's next
 * evaluation), its {@code @every} period (its actions recur on that schedule: the scheduler looks at
 * the user when each period is over) and its {@code @holdout} share; each null without one.
 */
public record RuleInfo(String name, String file, String milestone, Duration repeat, Duration every, Double holdout) {

    /** How long after an action of this rule it may fire again, or null (once per user). */
    public Duration again() {
        return repeat != null ? repeat : every;
    }
}
