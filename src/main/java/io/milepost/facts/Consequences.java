package io.milepost.facts;

import java.util.Map;

/**
 * What a rule's consequence does, behind {@link Helpers#reach} and {@link Helpers#trigger}: the
 * engine binds its evaluation to the evaluating thread while the rules fire. Rule files cannot
 * name this type; they call the helpers.
 */
public interface Consequences {

    void reach(String milestone);

    void trigger(String action, Map<String, ?> payload);

    /** Binds {@code c} to this thread until {@link #unbind()}. */
    static void bind(Consequences c) {
        Bound.CURRENT.set(c);
    }

    static void unbind() {
        Bound.CURRENT.remove();
    }

    /** The consequences bound to this thread; outside an evaluation, an error saying so. */
    static Consequences current() {
        Consequences c = Bound.CURRENT.get();
        if (c == null) {
            throw new IllegalStateException("reach() and trigger() can only be called from a rule consequence");
        }
        return c;
    }

    /** The thread's binding (an interface cannot hold a private field). */
    final class Bound {
        private static final ThreadLocal<Consequences> CURRENT = new ThreadLocal<>();

        private Bound() {}
    }
}
