package io.milepost.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/** Empties the service's tables between benchmark phases. */
final class BenchTables {
    /** Tables nothing refers to: emptied with TRUNCATE. */
    private static final List<String> TRUNCATED = List.of("events", "users", "milestones", "stalls", "actions",
            "evaluation_failures", "jobs");
    /** The outbox and the webhook tables that refer to it, children first: TRUNCATE refuses referenced tables. */
    private static final List<String> DELETED = List.of("delivery_attempts", "deliveries", "webhook_endpoints", "outbox");

    private BenchTables() {
    }

    static void clear(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String table : TRUNCATED) {
                s.execute("TRUNCATE TABLE " + table);
            }
            for (String table : DELETED) {
                s.execute("DELETE FROM " + table);
            }
        }
    }
}
