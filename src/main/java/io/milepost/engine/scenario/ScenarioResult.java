package io.milepost.engine.scenario;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a scenario produced and which expectations failed (each message says what was expected
 * and what happened instead).
 */
public record ScenarioResult(String name, boolean passed, List<String> failures, Map<String, Instant> milestones,
                             List<String> actions, Map<String, Instant> stalled, List<String> errors) {
}
