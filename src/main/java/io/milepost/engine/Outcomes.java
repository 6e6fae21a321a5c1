package io.milepost.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What evaluating one user produced: the new facts that must be recorded. */
public final class Outcomes {

    /** A milestone newly reached. */
    public record MilestoneReached(String milestone, Instant at, String rule) {
    }

    /**
     * An action newly fired; {@code occurrence} is 1 the first time, more for {@code @repeat} rules.
     * {@code heldOut}: the user is in the control group of the rule's {@code @holdout}; the action is
     * recorded (it counts for once per user) but not sent.
     */
    public record ActionTriggered(String action, int occurrence, Instant at, String rule, Map<String, Object> payload,
                                  boolean heldOut) {
    }

    /** An evaluation that failed: a consequence threw, or the firing cap was hit. */
    public record Failure(Instant at, String rule, String message) {
    }

    public final List<MilestoneReached> milestones = new ArrayList<>();
    public final List<ActionTriggered> actions = new ArrayList<>();
    public final List<Failure> failures = new ArrayList<>();
    /** Names of the rules that fired, in order (for tests and dry runs). */
    public final List<String> firedRules = new ArrayList<>();

    public boolean isEmpty() {
        return milestones.isEmpty() && actions.isEmpty() && failures.isEmpty();
    }
}
