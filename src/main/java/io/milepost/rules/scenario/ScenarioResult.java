package io.milepost.rules.scenario;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a scenario produced and which expectations failed (each message says what was expected
 * and what happened instead). {@code file} is the scenario's file under the rules folder, or null
 * for a scenario sent inline. {@code fired} lists each action fired, with its time, rule and payload.
 */
public record ScenarioResult(
        String name,
        String file,
        boolean passed,
        List<String> failures,
        Map<String, Instant> milestones,
        List<String> actions,
        List<FiredAction> fired,
        Map<String, Instant> stalled,
        List<String> errors) {

    /** An action the scenario's rules fired. */
    public record FiredAction(String action, Instant at, String rule, Map<String, Object> payload, boolean heldOut) {}

    /** A scenario file that could not be read: it fails with the reason, and the others still run. */
    public static ScenarioResult unreadable(String file, String error) {
        return new ScenarioResult(
                file, file, false, List.of(error), Map.of(), List.of(), List.of(), Map.of(), List.of(error));
    }
}
