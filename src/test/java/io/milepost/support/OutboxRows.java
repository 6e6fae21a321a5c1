package io.milepost.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/** Messages written straight to the outbox, as ingestion would, for tests of delivery alone. */
public final class OutboxRows {
    /** The messages' webhook-ids, and {@link System#nanoTime()} when they were committed. */
    public record Written(Set<String> ids, long committedNanos) {}

    private OutboxRows() {}

    /**
     * Writes {@code n} {@code milestone.reached} messages in one transaction, with ids far above the
     * outbox sequence's next values so the service's own rows never collide.
     */
    public static Written write(DataSource dataSource, int n, String prefix) throws SQLException {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        Instant now = Instant.now();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            long firstId;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM outbox")) {
                rs.next();
                firstId = Math.max(rs.getLong(1), 2_000_000_000L);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO outbox (id, type, user_id, subject, body, "
                            + "occurred_at, created_at, webhook_id) VALUES (?, 'milestone.reached', ?, 'interest', ?, ?, ?, ?)")) {
                for (int i = 0; i < n; i++) {
                    String webhookId = "msg_" + prefix + "_" + i + "_" + firstId;
                    ids.add(webhookId);
                    ps.setLong(1, firstId + i);
                    ps.setString(2, prefix + "-" + i);
                    ps.setString(
                            3, "{\"type\":\"milestone.reached\",\"data\":{\"userId\":\"" + prefix + "-" + i + "\"}}");
                    ps.setObject(4, now.atOffset(ZoneOffset.UTC));
                    ps.setObject(5, now.atOffset(ZoneOffset.UTC));
                    ps.setString(6, webhookId);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
        return new Written(ids, System.nanoTime());
    }

    /** How many of these webhook-ids the receiver has had (retries counted once). */
    public static int received(Receiver receiver, Set<String> ids) {
        Set<String> seen = new java.util.HashSet<>();
        receiver.requests().forEach(r -> {
            if (ids.contains(r.header("webhook-id"))) {
                seen.add(r.header("webhook-id"));
            }
        });
        return seen.size();
    }

    /**
     * Waits until the receiver has had every one of these webhook-ids, at most {@code maxNanos}
     * (then fails); answers {@link System#nanoTime()} when it had.
     */
    public static long untilReceived(Receiver receiver, Set<String> ids, long maxNanos) throws InterruptedException {
        long deadline = System.nanoTime() + maxNanos;
        while (received(receiver, ids) < ids.size()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + received(receiver, ids) + " of " + ids.size() + " within "
                        + maxNanos / 1_000_000_000L + " s");
            }
            Thread.sleep(5);
        }
        return System.nanoTime();
    }
}
