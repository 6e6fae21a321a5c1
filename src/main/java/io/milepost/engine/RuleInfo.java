package io.milepost.engine;

import java.time.Duration;

/**
 * One loaded rule: its name, the file it came from, the milestone it defines (if any), its repeat
 * interval and its {@code @holdout} share (null without one).
 */
public record RuleInfo(String name, String file, String milestone, Duration repeat, Double holdout) {
}
