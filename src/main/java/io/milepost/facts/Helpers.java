package io.milepost.facts;

import java.util.Map;

/**
 * What a rule's {@code then} block can do. Available in every rule file without an import.
 *
 * <pre>
 * then
 *     reach("first_value");
 *     trigger("suggest_lists", Map.of("tip", "Create your first list"));
 * </pre>
 */
public final class Helpers {
    private Helpers() {}

    /**
     * Records that the user reached a milestone, at the time of this evaluation. A milestone is
     * recorded once per user; reaching it again does nothing. The {@link Milestone} fact is
     * inserted at once, so later rules can chain on it in the same evaluation.
     */
    public static void reach(String milestone) {
        Consequences.current().reach(milestone);
    }

    /** Fires an action for the user: once per user, or again after the rule's {@code @repeat}. */
    public static void trigger(String action) {
        Consequences.current().trigger(action, Map.of());
    }

    /** Fires an action with a payload that is delivered with it (values should be JSON-friendly). */
    public static void trigger(String action, Map<String, ?> payload) {
        Consequences.current().trigger(action, payload == null ? Map.of() : payload);
    }
}
