package io.milepost.store;

import io.milepost.engine.EventHistory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads one user's records for the API (the user, their milestones, stalls, actions, events and
 * rule failures) and erases them, by JDBC into records, as the write path writes them.
 */
@ApplicationScoped
public class UserRecords {
    /** Tables holding a user's records, in the order erasing deletes them (deliveries follow their outbox rows). */
    static final List<String> RECORD_TABLES = List.of(
            "events",
            "milestones",
            "stalls",
            "actions",
            "evaluation_failures",
            "outbox",
            "account_members",
            "user_aliases");

    private final EntityManager em;
    private final boolean postgres;

    public UserRecords(EntityManager em, @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
        this.em = em;
        this.postgres = dbKind.toLowerCase().startsWith("postgres");
    }

    /** A user's row; {@code activity} decoded per event name (property histories included). */
    public record UserRow(
            String id,
            Instant signedUpAt,
            String traits,
            String stage,
            Map<String, EventHistory> activity,
            Instant lastEventAt,
            Instant nextCheckAt,
            boolean identified) {}

    public record MilestoneRow(long id, String milestone, Instant reachedAt, String rule) {}

    public record StallRow(long id, String milestone, Instant since) {}

    /** {@code suppressedReason}: why a suppressed action was not sent (null on rows from before reasons were kept). */
    public record ActionRow(
            long id,
            String action,
            Instant triggeredAt,
            int occurrence,
            String rule,
            String payload,
            boolean suppressed,
            String suppressedReason,
            boolean heldOut) {}

    public record EventRow(long id, String messageId, String type, String name, String payload, Instant occurredAt) {}

    public record FailureRow(long id, Instant occurredAt, String rule, String message) {}

    /**
     * A position in a user's merged timeline: a time, the rank of the table the row comes from
     * (rows of one time are ordered by it), and the row's id.
     */
    public record After(Instant at, int rank, long id) {}

    /**
     * The user's row under a share lock (on H2, which has none, the row lock): whoever records for
     * the user holds the row's write lock until it commits, so what this transaction reads next is
     * all of a recording or none of it.
     */
    public Optional<UserRow> read(String id) {
        return user(id, postgres ? "FOR SHARE" : "FOR UPDATE");
    }

    /** The user's row, locked for writing. */
    public Optional<UserRow> lock(String id) {
        return user(id, "FOR UPDATE");
    }

    private Optional<UserRow> user(String id, String lock) {
        List<UserRow> found = Sql.list(
                em,
                "SELECT id, signed_up_at, traits, stage, activity, last_event_at, next_check_at, identified "
                        + "FROM users WHERE id = ? " + lock,
                ps -> ps.setString(1, id),
                rs -> {
                    Map<String, EventHistory> activity = new TreeMap<>();
                    ActivityCodec.read(rs.getString(5), event -> activity.computeIfAbsent(event, EventHistory::new));
                    return new UserRow(
                            rs.getString(1),
                            Sql.instant(rs, 2),
                            rs.getString(3),
                            rs.getString(4),
                            activity,
                            Sql.instant(rs, 6),
                            Sql.instant(rs, 7),
                            rs.getBoolean(8));
                });
        return found.stream().findFirst();
    }

    public List<MilestoneRow> milestones(String userId) {
        return Sql.list(
                em,
                "SELECT id, milestone, reached_at, rule_name FROM milestones WHERE user_id = ? ORDER BY reached_at, id",
                ps -> ps.setString(1, userId),
                UserRecords::milestone);
    }

    public List<StallRow> stalls(String userId) {
        return Sql.list(
                em,
                "SELECT id, milestone, since FROM stalls WHERE user_id = ? ORDER BY since, id",
                ps -> ps.setString(1, userId),
                UserRecords::stall);
    }

    public List<ActionRow> actions(String userId) {
        return Sql.list(
                em,
                "SELECT " + ACTION_COLUMNS + " FROM actions WHERE user_id = ? ORDER BY triggered_at, id",
                ps -> ps.setString(1, userId),
                UserRecords::action);
    }

    /** The user's events after {@code after}, oldest first, at most {@code limit}. */
    public List<EventRow> events(String userId, After after, int rank, int limit) {
        return page(
                "events",
                "id, message_id, type, name, payload, occurred_at",
                "occurred_at",
                userId,
                after,
                rank,
                limit,
                rs -> new EventRow(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        Sql.instant(rs, 6)));
    }

    public List<MilestoneRow> milestones(String userId, After after, int rank, int limit) {
        return page(
                "milestones",
                "id, milestone, reached_at, rule_name",
                "reached_at",
                userId,
                after,
                rank,
                limit,
                UserRecords::milestone);
    }

    public List<StallRow> stalls(String userId, After after, int rank, int limit) {
        return page("stalls", "id, milestone, since", "since", userId, after, rank, limit, UserRecords::stall);
    }

    public List<ActionRow> actions(String userId, After after, int rank, int limit) {
        return page("actions", ACTION_COLUMNS, "triggered_at", userId, after, rank, limit, UserRecords::action);
    }

    public List<FailureRow> failures(String userId, After after, int rank, int limit) {
        return page(
                "evaluation_failures",
                "id, occurred_at, rule_name, message",
                "occurred_at",
                userId,
                after,
                rank,
                limit,
                rs -> new FailureRow(rs.getLong(1), Sql.instant(rs, 2), rs.getString(3), rs.getString(4)));
    }

    /** Deletes every record of the user and then the user's row (locked by the caller). */
    public void erase(String userId) {
        Sql.run(em, c -> {
            for (String table : RECORD_TABLES) {
                delete(c, "DELETE FROM " + table + " WHERE user_id = ?", userId);
            }
            delete(c, "DELETE FROM users WHERE id = ?", userId);
        });
    }

    private static final String ACTION_COLUMNS =
            "id, action, triggered_at, occurrence, rule_name, payload, suppressed, suppressed_reason, held_out";

    private static MilestoneRow milestone(ResultSet rs) throws SQLException {
        return new MilestoneRow(rs.getLong(1), rs.getString(2), Sql.instant(rs, 3), rs.getString(4));
    }

    private static StallRow stall(ResultSet rs) throws SQLException {
        return new StallRow(rs.getLong(1), rs.getString(2), Sql.instant(rs, 3));
    }

    private static ActionRow action(ResultSet rs) throws SQLException {
        return new ActionRow(
                rs.getLong(1),
                rs.getString(2),
                Sql.instant(rs, 3),
                rs.getInt(4),
                rs.getString(5),
                rs.getString(6),
                rs.getBoolean(7),
                rs.getString(8),
                rs.getBoolean(9));
    }

    /** Rows of {@code table} after {@code after} in timeline order (time, then rank, then id), at most {@code limit}. */
    private <T> List<T> page(
            String table,
            String columns,
            String time,
            String userId,
            After after,
            int rank,
            int limit,
            Sql.Mapper<T> map) {
        return Sql.list(
                em,
                "SELECT " + columns + " FROM " + table + " WHERE user_id = ? AND (" + time + " > ? OR (" + time
                        + " = ? AND (? < " + rank + " OR (? = " + rank + " AND id > ?)))) ORDER BY " + time
                        + ", id FETCH FIRST " + limit + " ROWS ONLY",
                ps -> {
                    ps.setString(1, userId);
                    ps.setObject(2, Sql.at(after.at()));
                    ps.setObject(3, Sql.at(after.at()));
                    ps.setInt(4, after.rank());
                    ps.setInt(5, after.rank());
                    ps.setLong(6, after.id());
                },
                map);
    }

    private static void delete(Connection c, String sql, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, userId);
            ps.executeUpdate();
        }
    }
}
