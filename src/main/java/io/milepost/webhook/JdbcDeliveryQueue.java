package io.milepost.webhook;

import static io.milepost.store.Sql.at;

import io.milepost.outbox.Outbox;
import io.milepost.store.Sql;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The statements both databases run alike. The subclasses hold what differs: whether queue queries
 * are ordered, and how many rows are written at once (JDBC batches on H2, arrays on PostgreSQL).
 */
abstract class JdbcDeliveryQueue implements DeliveryQueue {
    static final String INSERT_DELIVERY = "INSERT INTO deliveries (id, message_id, endpoint_id, webhook_id, "
            + "type, user_id, subject, status, attempts, attempts_left, next_attempt_at, last_attempt_at, created_at) ";

    /** The outbox query's ORDER BY (with its trailing space), or nothing where the index order is kept anyway. */
    abstract String orderMessages();

    /** The due query's ORDER BY (with its trailing space), or nothing. */
    abstract String orderDue();

    @Override
    public List<OutboxMessage> takeMessages(Connection c, int limit, boolean withBodies) throws SQLException {
        List<OutboxMessage> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, type, subject, user_id, webhook_id"
                        + (withBodies ? ", body" : "") + " FROM outbox WHERE dispatched_at IS NULL " + orderMessages()
                        + "FETCH FIRST " + limit + " ROWS ONLY FOR UPDATE SKIP LOCKED");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long id = rs.getLong(1);
                String webhookId = rs.getString(5);
                rows.add(new OutboxMessage(
                        id,
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        webhookId == null ? "msg_" + id : webhookId,
                        withBodies ? rs.getString(6) : null));
            }
        }
        return rows;
    }

    @Override
    public void markDispatched(Connection c, List<Long> messageIds, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET dispatched_at = ? WHERE id = ANY(?)")) {
            ps.setObject(1, at(now));
            ps.setArray(2, c.createArrayOf("BIGINT", messageIds.toArray()));
            ps.executeUpdate();
        }
    }

    @Override
    public List<Claim> claim(Connection c, List<EndpointRoom> rooms, Instant now, Instant leaseEnd)
            throws SQLException {
        List<Claim> due = new ArrayList<>();
        // The lower bound keeps H2 from walking the index's NULLs (every finished delivery) first.
        try (PreparedStatement ps = c.prepareStatement("SELECT id, attempts, attempts_left, endpoint_id, webhook_id, "
                + "message_id FROM deliveries WHERE endpoint_id = ? AND next_attempt_at >= ? AND next_attempt_at <= ? "
                + orderDue() + "FETCH FIRST ? ROWS ONLY FOR UPDATE SKIP LOCKED")) {
            for (EndpointRoom r : rooms) {
                if (r.room() <= 0) {
                    continue;
                }
                ps.setString(1, r.endpointId());
                ps.setObject(2, at(Instant.EPOCH));
                ps.setObject(3, at(now));
                ps.setInt(4, r.room());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(new Claim(
                                rs.getLong(1),
                                rs.getInt(2) + 1,
                                rs.getInt(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getLong(6)));
                    }
                }
            }
        }
        if (due.isEmpty()) {
            return due;
        }
        // one statement for the whole claim: the rows are locked, so attempts + 1 is what was read plus one
        try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries SET attempts = attempts + 1, "
                + "last_attempt_at = ?, next_attempt_at = ? WHERE id = ANY(?)")) {
            ps.setObject(1, at(now));
            ps.setObject(2, at(leaseEnd));
            ps.setArray(
                    3,
                    c.createArrayOf(
                            "BIGINT", due.stream().map(Claim::deliveryId).toArray()));
            ps.executeUpdate();
        }
        return due;
    }

    @Override
    public Map<Long, byte[]> bodies(Connection c, Collection<Long> messageIds) throws SQLException {
        Map<Long, byte[]> byId = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, body FROM outbox WHERE id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("BIGINT", messageIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byId.put(rs.getLong(1), rs.getString(2).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return byId;
    }

    @Override
    public void markKpiDays(Connection c, Collection<Long> deliveredIds) throws SQLException {
        if (deliveredIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO kpi_dirty_days (signup_day) SELECT DISTINCT "
                + "CAST(FLOOR(EXTRACT(EPOCH FROM u.signed_up_at) / 86400) AS BIGINT) FROM deliveries d "
                + "JOIN users u ON u.id = d.user_id WHERE d.id = ANY(?) AND d.type = ?")) {
            ps.setArray(1, c.createArrayOf("BIGINT", deliveredIds.toArray()));
            ps.setString(2, Outbox.ACTION_TRIGGERED);
            ps.executeUpdate();
        }
    }

    @Override
    public void logAttempts(Connection c, List<AttemptRow> attempts) throws SQLException {
        if (attempts.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO delivery_attempts (delivery_id, attempt, "
                + "started_at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (AttemptRow a : attempts) {
                ps.setLong(1, a.deliveryId());
                ps.setInt(2, a.attempt());
                ps.setObject(3, at(a.startedAt()));
                ps.setObject(4, a.statusCode());
                ps.setString(5, a.error());
                ps.setInt(6, a.durationMs());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<AttemptRow> attempts(Connection c, long deliveryId) throws SQLException {
        List<AttemptRow> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT attempt, started_at, status_code, error, duration_ms "
                + "FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt")) {
            ps.setLong(1, deliveryId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int code = rs.getInt(3);
                    Integer statusCode = rs.wasNull() ? null : code;
                    rows.add(new AttemptRow(
                            deliveryId, rs.getInt(1), Sql.instant(rs, 2), statusCode, rs.getString(4), rs.getInt(5)));
                }
            }
        }
        return rows;
    }

    @Override
    public void saveEndpointStates(Connection c, List<EndpointState> states) throws SQLException {
        if (states.isEmpty()) {
            return;
        }
        try (PreparedStatement failed = c.prepareStatement("UPDATE webhook_endpoints SET failing_since = ?, "
                        + "last_error_at = ?, last_error_status = ?, last_error = ? WHERE id = ?");
                PreparedStatement succeeded =
                        c.prepareStatement("UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?")) {
            boolean anyFailed = false;
            boolean anySucceeded = false;
            for (EndpointState s : states) {
                if (s.lastErrorAt() != null) {
                    failed.setObject(1, at(s.failingSince()));
                    failed.setObject(2, at(s.lastErrorAt()));
                    failed.setObject(3, s.lastErrorStatus());
                    failed.setString(4, s.lastError());
                    failed.setString(5, s.endpointId());
                    failed.addBatch();
                    anyFailed = true;
                } else {
                    succeeded.setObject(1, at(s.failingSince()));
                    succeeded.setString(2, s.endpointId());
                    succeeded.addBatch();
                    anySucceeded = true;
                }
            }
            if (anyFailed) {
                failed.executeBatch();
            }
            if (anySucceeded) {
                succeeded.executeBatch();
            }
        }
    }

    @Override
    public List<WebhookEndpoint> endpoints(Connection c) throws SQLException {
        List<WebhookEndpoint> all = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, url, types, actions, secret, previous_secret, "
                        + "previous_secret_until, enabled, failing_since FROM webhook_endpoints ORDER BY id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                WebhookEndpoint e = new WebhookEndpoint();
                e.id = rs.getString(1);
                e.url = rs.getString(2);
                e.types = rs.getString(3);
                e.actions = rs.getString(4);
                e.secret = rs.getString(5);
                e.previousSecret = rs.getString(6);
                e.previousSecretUntil = Sql.instant(rs, 7);
                e.enabled = rs.getBoolean(8);
                e.failingSince = Sql.instant(rs, 9);
                all.add(e);
            }
        }
        return all;
    }

    @Override
    public boolean disable(Connection c, String endpointId, String reason, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_endpoints SET enabled = FALSE, "
                + "disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = TRUE")) {
            ps.setString(1, reason);
            ps.setObject(2, at(now));
            ps.setString(3, endpointId);
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public boolean enable(Connection c, String endpointId, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_endpoints SET enabled = TRUE, "
                + "disabled_reason = NULL, failing_since = NULL, updated_at = ? WHERE id = ? AND enabled = FALSE")) {
            ps.setObject(1, at(now));
            ps.setString(2, endpointId);
            if (ps.executeUpdate() != 1) {
                return false;
            }
        }
        // what waited while it was off (a retry hours away included) is due now: it was re-enabled because it works
        // again
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE deliveries SET next_attempt_at = ? " + "WHERE endpoint_id = ? AND next_attempt_at > ?")) {
            ps.setObject(1, at(now));
            ps.setString(2, endpointId);
            ps.setObject(3, at(now));
            ps.executeUpdate();
        }
        return true;
    }

    @Override
    public Instant nextDue(Connection c) throws SQLException {
        Instant next = null;
        // one index look-up per enabled endpoint: the first entry of its range
        try (PreparedStatement endpoints = c.prepareStatement("SELECT id FROM webhook_endpoints WHERE enabled = TRUE");
                PreparedStatement ps = c.prepareStatement("SELECT MIN(next_attempt_at) FROM deliveries "
                        + "WHERE endpoint_id = ? AND next_attempt_at >= ?");
                ResultSet ids = endpoints.executeQuery()) {
            while (ids.next()) {
                ps.setString(1, ids.getString(1));
                ps.setObject(2, at(Instant.EPOCH));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    Instant t = Sql.instant(rs, 1);
                    if (t != null && (next == null || t.isBefore(next))) {
                        next = t;
                    }
                }
            }
        }
        return next;
    }

    @Override
    public long depth(Connection c) throws SQLException {
        // a range, not IS NOT NULL: H2 would walk the index's NULLs (every finished delivery)
        try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT count(*) FROM deliveries WHERE endpoint_id IN "
                + "(SELECT id FROM webhook_endpoints WHERE enabled = TRUE) AND next_attempt_at >= ?) "
                + "+ (SELECT count(*) FROM outbox WHERE dispatched_at IS NULL)")) {
            ps.setObject(1, at(Instant.EPOCH));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Override
    public void release(Connection c, List<Long> deliveryIds, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries SET attempts = attempts - 1, "
                + "next_attempt_at = ? WHERE id = ANY(?) AND status = '" + Delivery.PENDING + "'")) {
            ps.setObject(1, at(now));
            ps.setArray(2, c.createArrayOf("BIGINT", deliveryIds.toArray()));
            ps.executeUpdate();
        }
    }

    @Override
    public List<StatRow> stats(Connection c, String endpointId, Instant since) throws SQLException {
        List<StatRow> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT minute_at, outcome, latency_bucket, attempts "
                + "FROM webhook_attempt_stats WHERE endpoint_id = ? AND minute_at >= ?")) {
            ps.setString(1, endpointId);
            ps.setObject(2, at(since));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new StatRow(endpointId, Sql.instant(rs, 1), rs.getString(2), rs.getInt(3), rs.getInt(4)));
                }
            }
        }
        return rows;
    }

    @Override
    public Waiting waiting(Connection c, String endpointId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*), MIN(created_at) FROM deliveries "
                + "WHERE endpoint_id = ? AND next_attempt_at >= ?")) {
            ps.setString(1, endpointId);
            ps.setObject(2, at(Instant.EPOCH));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Waiting(rs.getLong(1), Sql.instant(rs, 2));
            }
        }
    }

    @Override
    public void purgeStats(Connection c, Instant before) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhook_attempt_stats WHERE minute_at < ?")) {
            ps.setObject(1, at(before));
            ps.executeUpdate();
        }
    }
}
