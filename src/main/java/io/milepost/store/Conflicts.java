package io.milepost.store;

import java.sql.SQLException;

/** Failures of a transaction that another transaction caused, and that are worth another try. */
public final class Conflicts {
    private Conflicts() {}

    /**
     * A transaction that finds the ids it read moved by a concurrent merge throws this; it counts as
     * a conflict, so the transaction runs again and reads them anew.
     */
    public static final class Rerouted extends RuntimeException {
        public Rerouted() {
            super("an id was merged into another user meanwhile", null, false, false);
        }
    }

    /** Unique-key violations, deadlocks, serialization failures, lock timeouts, and {@link Rerouted}. */
    public static boolean isConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Rerouted) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 90131: H2's "concurrent update" (a row this transaction waited for was changed or deleted)
                if (state.equals("23505")
                        || state.startsWith("40")
                        || state.equals("HYT00")
                        || state.equals("55P03")
                        || state.equals("90131")) {
                    return true;
                }
            }
            if (t instanceof jakarta.persistence.PessimisticLockException
                    || t instanceof jakarta.persistence.LockTimeoutException
                    || t instanceof org.hibernate.exception.LockAcquisitionException) {
                return true;
            }
        }
        return false;
    }
}
