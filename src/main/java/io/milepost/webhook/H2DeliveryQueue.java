package io.milepost.webhook;

import static io.milepost.store.Sql.at;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * H2, in process: no round trips to save, so rows are written as JDBC batches. Queue queries are
 * unordered: with {@code ORDER BY}, H2 reads and locks every waiting row before it stops at the
 * limit, while its indexes ({@code outbox (dispatched_at, id)}, {@code deliveries (endpoint_id,
 * next_attempt_at)}) hand the rows out oldest first anyway.
 */
final class H2DeliveryQueue extends JdbcDeliveryQueue {

    @Override
    public void begin(Connection c) {
        // H2 plans from its indexes alone
    }

    @Override
    String orderMessages() {
        return "";
    }

    @Override
    String orderDue() {
        return "";
    }

    @Override
    public void insert(Connection c, List<NewDelivery> fresh, int attempts, Instant now, Instant leaseEnd)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                INSERT_DELIVERY + "VALUES (?, ?, ?, ?, ?, ?, ?, '" + Delivery.PENDING + "', ?, ?, ?, ?, ?)")) {
            for (NewDelivery d : fresh) {
                ps.setLong(1, d.id());
                ps.setLong(2, d.messageId());
                ps.setString(3, d.endpointId());
                ps.setString(4, d.webhookId());
                ps.setString(5, d.type());
                ps.setString(6, d.userId());
                ps.setString(7, d.subject());
                ps.setInt(8, d.claimed() ? 1 : 0);
                ps.setInt(9, attempts);
                ps.setObject(10, at(d.claimed() ? leaseEnd : now));
                ps.setObject(11, d.claimed() ? at(now) : null);
                ps.setObject(12, at(now));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public Set<Long> record(Connection c, List<OutcomeRow> outcomes) throws SQLException {
        Set<Long> written = new HashSet<>();
        if (outcomes.isEmpty()) {
            return written;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries SET status = ?, attempts_left = ?, "
                + "next_attempt_at = ?, last_status_code = ?, last_error = ?, last_duration_ms = ?, delivered_at = ? "
                + "WHERE id = ? AND attempts = ? AND status = '" + Delivery.PENDING + "'")) {
            for (OutcomeRow o : outcomes) {
                ps.setString(1, o.status());
                ps.setInt(2, o.attemptsLeft());
                ps.setObject(3, at(o.nextAttemptAt()));
                ps.setObject(4, o.statusCode());
                ps.setString(5, o.error());
                ps.setInt(6, o.durationMs());
                ps.setObject(7, at(o.deliveredAt()));
                ps.setLong(8, o.deliveryId());
                ps.setInt(9, o.attempt());
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] != 0) {
                    written.add(outcomes.get(i).deliveryId());
                }
            }
        }
        return written;
    }

    @Override
    public void countAttempts(Connection c, List<StatRow> stats) throws SQLException {
        if (stats.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("MERGE INTO webhook_attempt_stats s USING (VALUES "
                + "(CAST(? AS VARCHAR(40)), CAST(? AS TIMESTAMP WITH TIME ZONE), CAST(? AS VARCHAR(16)), CAST(? AS INTEGER), "
                + "CAST(? AS INTEGER))) AS v(endpoint_id, minute_at, outcome, latency_bucket, attempts) "
                + "ON s.endpoint_id = v.endpoint_id AND s.minute_at = v.minute_at AND s.outcome = v.outcome "
                + "AND s.latency_bucket = v.latency_bucket "
                + "WHEN MATCHED THEN UPDATE SET attempts = s.attempts + v.attempts "
                + "WHEN NOT MATCHED THEN INSERT (endpoint_id, minute_at, outcome, latency_bucket, attempts) "
                + "VALUES (v.endpoint_id, v.minute_at, v.outcome, v.latency_bucket, v.attempts)")) {
            for (StatRow s : stats) {
                ps.setString(1, s.endpointId());
                ps.setObject(2, at(s.minute()));
                ps.setString(3, s.outcome());
                ps.setInt(4, s.latencyBucket());
                ps.setInt(5, s.attempts());
                merge(ps);
            }
        }
    }

    /**
     * H2's MERGE is not atomic against another transaction inserting the same new key (two
     * dispatchers in one process, as in the tests): the loser gets a unique-key violation, which in
     * H2 fails only that statement. Run again, it finds the row and adds to it.
     */
    private static void merge(PreparedStatement ps) throws SQLException {
        try {
            ps.executeUpdate();
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState())) {
                throw e;
            }
            ps.executeUpdate();
        }
    }
}
