package io.milepost.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.Json;
import io.milepost.engine.UserState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Loads users' state for evaluation with their rows locked, and writes it back through the
 * {@link RowWriter}. Loading many users takes a fixed number of queries (one per table), whatever
 * their number; every query takes the ids as one array parameter ({@code = ANY(?)}), so each is
 * one prepared statement whatever the count.
 */
@ApplicationScoped
public class UserStateStore {

    /** A user's state plus what their stored row said before this transaction changed it. */
    public static final class Loaded {
        final Row row;
        final UserState state;

        Loaded(Row row, UserState state) {
            this.row = row;
            this.state = state;
        }

        public UserState state() {
            return state;
        }

        /** Whether the user has a row (false: unknown, or erased since their id was read). */
        public boolean exists() {
            return row != null;
        }

        /** The stage on record, null for a user without a row. */
        public String stage() {
            return row == null ? null : row.stage;
        }

        /** The next check on record, null for a user without a row. */
        public Instant nextCheckAt() {
            return row == null ? null : row.nextCheckAt;
        }

        /** When the row was last written, null for a user without a row. */
        public Instant updatedAt() {
            return row == null ? null : row.updatedAt;
        }
    }

    /**
     * The columns of a user row that evaluations read besides the state, and the signup time and
     * traits as stored (to tell whether the KPI figures of the user's signup day change).
     */
    record Row(String stage, Instant nextCheckAt, Instant updatedAt, Instant signedUpAt, String traits) {}

    // The statements of the load path; public so that the benchmarks run exactly these.
    /** The user-row columns every load reads, in this order. */
    public static final String USER_COLUMNS = "id, traits, activity, signed_up_at, signup_from_trait, last_event_at, "
            + "stage, next_check_at, updated_at, identified";

    public static final String LOCK_USERS =
            "SELECT " + USER_COLUMNS + " FROM users WHERE id = ANY(?) ORDER BY id FOR UPDATE";
    public static final String CLAIM_DUE_USERS = "SELECT " + USER_COLUMNS + " FROM users "
            + "WHERE next_check_at >= ? AND next_check_at <= ? FETCH FIRST ? ROWS ONLY FOR UPDATE SKIP LOCKED";
    public static final String MILESTONES_OF =
            "SELECT user_id, milestone, reached_at, rule_name FROM milestones " + "WHERE user_id = ANY(?)";
    public static final String STALLS_OF = "SELECT user_id, milestone, since FROM stalls WHERE user_id = ANY(?)";
    public static final String ACTIONS_OF =
            "SELECT user_id, action, MAX(occurrence), MAX(triggered_at), MAX(rule_name) "
                    + "FROM actions WHERE user_id = ANY(?) GROUP BY user_id, action";
    public static final String ACCOUNTS_OF = "SELECT m.user_id, a.id, a.traits FROM account_members m "
            + "JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ANY(?)";
    public static final String KNOWN_MESSAGES = "SELECT message_id FROM events WHERE message_id = ANY(?)";

    /**
     * The claim's lower bound: earlier than any check time a stored row can have. Rows written
     * before signup times were bounded may carry one long before 1970 (a {@code createdAt} of 1900);
     * they are due like any other.
     */
    public static final Instant DUE_FLOOR = Instant.parse("0001-01-01T00:00:00Z");

    /** Signup time of a row created in the current transaction and not saved yet. */
    static final Instant PLACEHOLDER_SIGNUP = Instant.parse("9999-12-31T00:00:00Z");

    private static final int CREATE_CHUNK = 100;

    private final EntityManager em;
    private final ObjectMapper mapper;
    private final RowWriter writer;
    private final boolean postgres;

    public UserStateStore(
            EntityManager em,
            ObjectMapper mapper,
            RowWriter writer,
            @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
        this.em = em;
        this.mapper = mapper;
        this.writer = writer;
        this.postgres = dbKind.toLowerCase().startsWith("postgres");
    }

    /**
     * Locks the rows of the given users that exist ({@code SELECT ... FOR UPDATE}, in id order) and
     * loads their state; users without a row come back fresh. Must run in a transaction.
     */
    public Map<String, Loaded> lockAndLoad(Collection<String> userIds) {
        List<String> ids = userIds.stream().distinct().sorted().toList();
        Map<String, Loaded> loaded = new TreeMap<>();
        if (ids.isEmpty()) {
            return loaded;
        }
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(LOCK_USERS)) {
                ps.setArray(1, Sql.strings(c, ids));
                load(c, ps, loaded);
            }
        });
        for (String id : ids) {
            loaded.computeIfAbsent(id, k -> new Loaded(null, UserState.fresh(k)));
        }
        return loaded;
    }

    /**
     * Loads one user's state for reading, under a share lock (on H2, which has none, the row lock):
     * whoever records for the user holds the row's write lock until it commits, so the state read is
     * all of a recording or none of it. Empty for a user without a row.
     */
    public Optional<UserState> read(String id) {
        Map<String, Loaded> loaded = new TreeMap<>();
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + USER_COLUMNS + " FROM users WHERE id = ? " + (postgres ? "FOR SHARE" : "FOR UPDATE"))) {
                ps.setString(1, id);
                load(c, ps, loaded);
            }
        });
        return Optional.ofNullable(loaded.get(id)).filter(Loaded::exists).map(Loaded::state);
    }

    /**
     * Claims up to {@code limit} users due at {@code now} ({@code FOR UPDATE SKIP LOCKED}, so
     * several sweepers split them) and loads their state, with the claim's own query. No {@code
     * ORDER BY}: every due user is taken in this sweep anyway, and without it both databases stop at
     * the limit instead of reading and sorting every due user for each batch. The lower bound keeps
     * H2 from walking the index's NULLs (every user with no open window) first, which made an empty
     * sweep cost grow with the number of users. On PostgreSQL the sweep's transaction
     * uses index scans only ({@link Sql#indexScansOnly}): otherwise the planner may read every due
     * user's index entry into a bitmap for each batch.
     */
    public Map<String, Loaded> claimDue(Instant now, int limit) {
        Map<String, Loaded> loaded = new TreeMap<>();
        Sql.run(em, c -> {
            if (postgres) {
                Sql.indexScansOnly(c);
            }
            try (PreparedStatement ps = c.prepareStatement(CLAIM_DUE_USERS)) {
                ps.setObject(1, Sql.at(DUE_FLOOR));
                ps.setObject(2, Sql.at(now));
                ps.setInt(3, limit);
                load(c, ps, loaded);
            }
        });
        return loaded;
    }

    /** Reads the users {@code query} selects ({@link #USER_COLUMNS}) and their milestones, stalls and actions. */
    private void load(Connection c, PreparedStatement query, Map<String, Loaded> loaded) throws SQLException {
        List<String> stored = new ArrayList<>();
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                Instant signedUpAt = Sql.instant(rs, 4);
                Row row = new Row(
                        rs.getString(7), Sql.instant(rs, 8), Sql.instant(rs, 9), Sql.instant(rs, 4), rs.getString(2));
                if (PLACEHOLDER_SIGNUP.equals(signedUpAt)) {
                    // created in this transaction a moment ago: nothing recorded yet
                    UserState fresh = UserState.fresh(id);
                    fresh.identified(rs.getBoolean(10));
                    loaded.put(id, new Loaded(row, fresh));
                    continue;
                }
                UserState state = new UserState(
                        id,
                        true,
                        Json.readMap(mapper, rs.getString(2)),
                        signedUpAt,
                        rs.getBoolean(5),
                        Sql.instant(rs, 6));
                state.identified(rs.getBoolean(10));
                ActivityCodec.read(rs.getString(3), state::history);
                loaded.put(id, new Loaded(row, state));
                stored.add(id);
            }
        }
        if (!stored.isEmpty()) {
            loadDetails(c, loaded, stored);
        }
    }

    /**
     * Creates the rows of users that do not exist yet, locked, and loads them. On PostgreSQL the
     * insert skips rows another request is creating at the same moment ({@code ON CONFLICT DO
     * NOTHING} waits for it to commit), and the following lock loads that request's result: the two
     * requests queue on the row instead of failing. On H2 a concurrent creation fails on the key and
     * the caller retries. Rows are written with a placeholder signup time that the caller's save
     * replaces before commit, so nobody ever sees a half-made user. Ids in {@code anonymous} are
     * created as users only ever seen under an {@code anonymousId} (not identified).
     */
    public void create(Map<String, Loaded> users, Collection<String> ids, Set<String> anonymous, Instant now) {
        List<String> missing =
                ids.stream().filter(id -> users.get(id).row == null).sorted().toList();
        if (missing.isEmpty()) {
            return;
        }
        Sql.run(em, c -> {
            for (int from = 0; from < missing.size(); from += CREATE_CHUNK) {
                List<String> chunk = missing.subList(from, Math.min(missing.size(), from + CREATE_CHUNK));
                StringBuilder sql = new StringBuilder("INSERT INTO users (id, traits, activity, signed_up_at, "
                        + "signup_from_trait, created_at, updated_at, identified) VALUES ");
                for (int i = 0; i < chunk.size(); i++) {
                    sql.append(i == 0 ? "" : ", ").append("(?, '{}', '{}', ?, FALSE, ?, ?, ?)");
                }
                if (postgres) {
                    sql.append(" ON CONFLICT (id) DO NOTHING");
                }
                try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                    int p = 1;
                    for (String id : chunk) {
                        ps.setString(p++, id);
                        ps.setObject(p++, Sql.at(PLACEHOLDER_SIGNUP));
                        ps.setObject(p++, Sql.at(now));
                        ps.setObject(p++, Sql.at(now));
                        ps.setBoolean(p++, !anonymous.contains(id));
                    }
                    ps.executeUpdate();
                }
            }
        });
        users.putAll(lockAndLoad(missing));
    }

    private void loadDetails(Connection c, Map<String, Loaded> loaded, List<String> ids) throws SQLException {
        Array idArray = Sql.strings(c, ids);
        try (PreparedStatement ps = c.prepareStatement(MILESTONES_OF)) {
            ps.setArray(1, idArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String milestone = rs.getString(2);
                    loaded.get(rs.getString(1))
                            .state
                            .milestones()
                            .put(milestone, new UserState.Reached(milestone, Sql.instant(rs, 3), rs.getString(4)));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(STALLS_OF)) {
            ps.setArray(1, idArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    loaded.get(rs.getString(1)).state.stalls().put(rs.getString(2), Sql.instant(rs, 3));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(ACTIONS_OF)) {
            ps.setArray(1, idArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    loaded.get(rs.getString(1))
                            .state
                            .actions()
                            .put(
                                    rs.getString(2),
                                    new UserState.ActionHistory(rs.getInt(3), Sql.instant(rs, 4), rs.getString(5)));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(ACCOUNTS_OF)) {
            ps.setArray(1, idArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    loaded.get(rs.getString(1))
                            .state
                            .accounts()
                            .put(rs.getString(2), Json.readMap(mapper, rs.getString(3)));
                }
            }
        }
    }

    /** Message ids among {@code ids} that are already stored. */
    public Set<String> storedMessageIds(Collection<String> ids) {
        Set<String> found = new HashSet<>();
        if (ids.isEmpty()) {
            return found;
        }
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(KNOWN_MESSAGES)) {
                ps.setArray(1, Sql.strings(c, ids));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(rs.getString(1));
                    }
                }
            }
        });
        return found;
    }

    /**
     * Writes what a replay may change on a user's row: stage and next check. The rest of the row
     * (traits, signup, activity) is what ingestion made of the events, and stays.
     */
    public void saveStage(Loaded l, String stage, Instant nextCheckAt, Instant now) {
        if (!Objects.equals(l.stage(), stage) || !Objects.equals(l.nextCheckAt(), nextCheckAt)) {
            writer.stage(l.state.id(), stage, nextCheckAt, now);
        }
    }

    /** Writes the user's row (created by {@link #create} if new), activity included. */
    public void saveUser(Loaded l, String stage, Instant nextCheckAt, Instant now) {
        UserState s = l.state;
        String traits = Json.write(mapper, s.traits());
        Instant storedSignup = l.row == null ? null : l.row.signedUpAt();
        if (!s.signedUpAt().equals(storedSignup) || l.row == null || !traits.equals(l.row.traits())) {
            // the user joins a signup day, moves to another, or changes a trait the figures are broken down by
            if (storedSignup != null && !PLACEHOLDER_SIGNUP.equals(storedSignup)) {
                writer.kpiDay(storedSignup);
            }
            writer.kpiDay(s.signedUpAt());
        }
        writer.user(new RowWriter.UserRow(
                s.id(),
                traits,
                ActivityCodec.write(s.histories()),
                s.signedUpAt(),
                s.signupFromTrait(),
                s.lastEventAt(),
                stage,
                nextCheckAt,
                now));
    }
}
