package io.milepost.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What evaluating one user produced: the new facts that must be recorded. */
public final class Outcomes {

    /** A milestone newly reached. */
    public record MilestoneReached(String milestone, Instant at, String rule) {}

    /**
     * An action newly fired; {@code occurrence} is 1 the first time, more for {@code @repeat} rules.
     * {@code heldOut}: the user is in the control group of the rule's {@code @holdout}; the action is
     * recorded (it counts for once per user) but not sent. {@code suppressed}: why it must not be sent
     * although the rule fired ({@link #STALL_RESOLVED}), else null; whether it is still current is
     * decided when it is recorded.
     */
    public record ActionTriggered(
            String action,
            int occurrence,
            Instant at,
            String rule,
            Map<String, Object> payload,
            boolean heldOut,
            String suppressed) {}

    /** A window that closed without its milestone: the user stalled at it then. */
    public record Stall(String milestone, Instant since) {}

    /** The rule answered a stall whose milestone the user had reached by the time it was evaluated. */
    public static final String STALL_RESOLVED = "stall_resolved";

    /** An evaluation that failed: a consequence threw, or the firing cap was hit. */
    public record Failure(Instant at, String rule, String message) {}

    public final List<MilestoneReached> milestones = new ArrayList<>();
    public final List<ActionTriggered> actions = new ArrayList<>();
    /** Windows closed by the evaluations, in time order (each evaluated at its close with its {@code Stalled} fact). */
    public final List<Stall> stalls = new ArrayList<>();

    public final List<Failure> failures = new ArrayList<>();
    /** Names of the rules that fired, in order (for tests and dry runs). */
    public final List<String> firedRules = new ArrayList<>();

    public boolean isEmpty() {
        return milestones.isEmpty() && actions.isEmpty() && failures.isEmpty() && stalls.isEmpty();
    }
}
