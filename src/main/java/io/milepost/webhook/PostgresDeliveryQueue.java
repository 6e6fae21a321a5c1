package io.milepost.webhook;

import static io.milepost.store.Sql.at;
import static io.milepost.store.Sql.column;

import io.milepost.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * PostgreSQL (ADR 7): every dispatcher transaction runs with index scans only, the queue queries
 * are ordered so that the index scan stops at the limit, and rows are written with one statement
 * per cycle, their values as arrays ({@code unnest}), so each is parsed and planned once per cycle
 * instead of once per row (connections plan every statement for its parameters).
 */
final class PostgresDeliveryQueue extends JdbcDeliveryQueue {

    /**
     * Measured with stale statistics and 20,000 waiting messages (ADR 7): a fan-out batch as a
     * bitmap scan cost 2.4 times the index scan; the outcome update as a scan and hash join, 8 times
     * the look-up by key.
     */
    @Override
    public void begin(Connection c) throws SQLException {
        Sql.indexScansOnly(c);
    }

    @Override
    String orderMessages() {
        return "ORDER BY id ";
    }

    @Override
    String orderDue() {
        return "ORDER BY next_attempt_at ";
    }

    @Override
    public void insert(Connection c, List<NewDelivery> fresh, int attempts, Instant now, Instant leaseEnd)
            throws SQLException {
        int n = fresh.size();
        try (PreparedStatement ps = c.prepareStatement(
                INSERT_DELIVERY + "SELECT v.id, v.message_id, v.endpoint_id, "
                        + "v.webhook_id, v.type, v.user_id, v.subject, '" + Delivery.PENDING + "', v.attempts, ?, "
                        + "CASE WHEN v.attempts = 1 THEN ? ELSE ? END, CASE WHEN v.attempts = 1 THEN ? END, ? "
                        + "FROM unnest(?::bigint[], ?::bigint[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], "
                        + "?::varchar[], ?::int[]) AS v(id, message_id, endpoint_id, webhook_id, type, user_id, subject, attempts)")) {
            ps.setInt(1, attempts);
            ps.setObject(2, at(leaseEnd));
            ps.setObject(3, at(now));
            ps.setObject(4, at(now));
            ps.setObject(5, at(now));
            ps.setArray(6, column(c, "bigint", n, i -> fresh.get(i).id()));
            ps.setArray(7, column(c, "bigint", n, i -> fresh.get(i).messageId()));
            ps.setArray(8, column(c, "varchar", n, i -> fresh.get(i).endpointId()));
            ps.setArray(9, column(c, "varchar", n, i -> fresh.get(i).webhookId()));
            ps.setArray(10, column(c, "varchar", n, i -> fresh.get(i).type()));
            ps.setArray(11, column(c, "varchar", n, i -> fresh.get(i).userId()));
            ps.setArray(12, column(c, "varchar", n, i -> fresh.get(i).subject()));
            ps.setArray(13, column(c, "int4", n, i -> fresh.get(i).claimed() ? 1 : 0));
            ps.executeUpdate();
        }
    }

    /** The values are joined to the deliveries they belong to; {@code RETURNING} names those still claimed. */
    @Override
    public Set<Long> record(Connection c, List<OutcomeRow> outcomes) throws SQLException {
        Set<Long> written = new HashSet<>();
        int n = outcomes.size();
        if (n == 0) {
            return written;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries d SET status = v.status, "
                + "attempts_left = v.attempts_left, next_attempt_at = v.next_attempt_at::timestamptz, "
                + "last_status_code = v.code, last_error = v.error, last_duration_ms = v.duration, "
                + "delivered_at = v.delivered_at::timestamptz "
                + "FROM unnest(?::bigint[], ?::int[], ?::varchar[], ?::int[], ?::text[], ?::int[], ?::varchar[], "
                + "?::int[], ?::text[]) AS v(id, attempt, status, attempts_left, next_attempt_at, code, error, duration, "
                + "delivered_at) WHERE d.id = v.id AND d.attempts = v.attempt "
                + "AND d.status = '" + Delivery.PENDING + "' RETURNING d.id")) {
            // times as ISO text, cast by the statement: one array type whatever the driver makes of instants
            ps.setArray(1, column(c, "bigint", n, i -> outcomes.get(i).deliveryId()));
            ps.setArray(2, column(c, "int4", n, i -> outcomes.get(i).attempt()));
            ps.setArray(3, column(c, "varchar", n, i -> outcomes.get(i).status()));
            ps.setArray(4, column(c, "int4", n, i -> outcomes.get(i).attemptsLeft()));
            ps.setArray(5, column(c, "text", n, i -> text(outcomes.get(i).nextAttemptAt())));
            ps.setArray(6, column(c, "int4", n, i -> outcomes.get(i).statusCode()));
            ps.setArray(7, column(c, "varchar", n, i -> outcomes.get(i).error()));
            ps.setArray(8, column(c, "int4", n, i -> outcomes.get(i).durationMs()));
            ps.setArray(9, column(c, "text", n, i -> text(outcomes.get(i).deliveredAt())));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    written.add(rs.getLong(1));
                }
            }
        }
        return written;
    }

    @Override
    public void countAttempts(Connection c, List<StatRow> stats) throws SQLException {
        int n = stats.size();
        if (n == 0) {
            return;
        }
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO webhook_attempt_stats (endpoint_id, minute_at, outcome, "
                        + "latency_bucket, attempts) SELECT v.endpoint_id, v.minute::timestamptz, v.outcome, v.bucket, v.attempts "
                        + "FROM unnest(?::varchar[], ?::text[], ?::varchar[], ?::int[], ?::int[]) "
                        + "AS v(endpoint_id, minute, outcome, bucket, attempts) "
                        + "ON CONFLICT (endpoint_id, minute_at, outcome, latency_bucket) "
                        + "DO UPDATE SET attempts = webhook_attempt_stats.attempts + EXCLUDED.attempts")) {
            ps.setArray(1, column(c, "varchar", n, i -> stats.get(i).endpointId()));
            ps.setArray(2, column(c, "text", n, i -> stats.get(i).minute().toString()));
            ps.setArray(3, column(c, "varchar", n, i -> stats.get(i).outcome()));
            ps.setArray(4, column(c, "int4", n, i -> stats.get(i).latencyBucket()));
            ps.setArray(5, column(c, "int4", n, i -> stats.get(i).attempts()));
            ps.executeUpdate();
        }
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }
}
