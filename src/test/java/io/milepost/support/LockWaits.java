package io.milepost.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Waits for the observable sign that a request is blocked by another transaction's lock: a session
 * of the database waiting for a lock (PostgreSQL's {@code pg_stat_activity}, H2's
 * {@code INFORMATION_SCHEMA.SESSIONS.BLOCKER_ID}). A test that wants to show "this waits" waits for
 * that, instead of sleeping and hoping the request had time to block.
 */
public final class LockWaits {
    private LockWaits() {}

    /** Returns once some session waits for a lock; fails after {@code max}. */
    public static void untilASessionWaits(DataSource dataSource, Duration max)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            boolean postgres =
                    c.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
            String sql = postgres
                    ? "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    : "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL";
            while (true) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no session waited for a lock within " + max);
                }
                Thread.sleep(10);
            }
        }
    }
}
