package io.milepost.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;

/** The benchmarks' direct access to the service's database: emptying it, counting rows, naming it. */
final class BenchDatabase {
    /** Tables nothing refers to: emptied with TRUNCATE. */
    private static final List<String> TRUNCATED = List.of(
            "events",
            "users",
            "milestones",
            "stalls",
            "actions",
            "evaluation_failures",
            "jobs",
            "user_aliases",
            "accounts",
            "account_members");
    /** The outbox and the webhook tables that refer to it, children first: TRUNCATE refuses referenced tables. */
    private static final List<String> DELETED =
            List.of("delivery_attempts", "deliveries", "webhook_attempt_stats", "webhook_endpoints", "outbox");

    private BenchDatabase() {}

    /**
     * Empties the service's tables between benchmark phases. On PostgreSQL every table goes in
     * one TRUNCATE (it accepts tables that refer to each other together), which leaves no dead
     * rows behind: this machine's server runs with autovacuum off, so rows deleted by one phase
     * would otherwise slow the index scans of every phase after it.
     */
    static void clear(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            if (c.getMetaData().getDatabaseProductName().startsWith("PostgreSQL")) {
                s.execute("TRUNCATE TABLE " + String.join(", ", TRUNCATED) + ", " + String.join(", ", DELETED));
                return;
            }
            for (String table : TRUNCATED) {
                s.execute("TRUNCATE TABLE " + table);
            }
            for (String table : DELETED) {
                s.execute("DELETE FROM " + table);
            }
        }
    }

    /** The single number a {@code SELECT COUNT(*) ...} answers; {@code at} fills its {@code ?} in order. */
    static long count(DataSource dataSource, String sql, Instant... at) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < at.length; i++) {
                ps.setObject(i + 1, at[i].atOffset(ZoneOffset.UTC));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Product, version and URL, for the report's heading. */
    static String name(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            var md = c.getMetaData();
            return md.getDatabaseProductName() + " " + md.getDatabaseProductVersion() + " (" + md.getURL() + ")";
        }
    }
}
