package io.milepost.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.Json;
import io.milepost.engine.EventHistory;
import io.milepost.engine.UserState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Loads users' state for evaluation with their rows locked, and writes it back. Loading many users
 * takes a fixed number of queries (one per table), whatever their number.
 */
@ApplicationScoped
public class UserStateStore {

    /** A user's state plus the managed row it came from. */
    public static final class Loaded {
        final UserEntity entity;
        final UserState state;

        Loaded(UserEntity entity, UserState state) {
            this.entity = entity;
            this.state = state;
        }

        public UserState state() {
            return state;
        }

        public UserEntity entity() {
            return entity;
        }
    }

    /** Signup time of a row created in the current transaction and not saved yet. */
    static final Instant PLACEHOLDER_SIGNUP = Instant.parse("9999-12-31T00:00:00Z");
    private static final int CREATE_CHUNK = 100;

    private final EntityManager em;
    private final ObjectMapper mapper;
    private final boolean postgres;

    public UserStateStore(EntityManager em, ObjectMapper mapper,
                          @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
        this.em = em;
        this.mapper = mapper;
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
        List<UserEntity> users = em.createQuery("from UserEntity u where u.id in :ids order by u.id", UserEntity.class)
                .setParameter("ids", ids)
                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                .getResultList();
        for (UserEntity u : users) {
            if (PLACEHOLDER_SIGNUP.equals(u.signedUpAt)) {
                loaded.put(u.id, new Loaded(u, UserState.fresh(u.id)));
                continue;
            }
            UserState state = new UserState(u.id, true, Json.readMap(mapper, u.traits), u.signedUpAt,
                    u.signupFromTrait, u.lastEventAt);
            ActivityCodec.read(u.activity, state::history);
            loaded.put(u.id, new Loaded(u, state));
        }
        List<String> existing = List.copyOf(loaded.keySet());
        if (!existing.isEmpty()) {
            loadDetails(loaded, existing);
        }
        for (String id : ids) {
            loaded.computeIfAbsent(id, k -> new Loaded(null, UserState.fresh(k)));
        }
        return loaded;
    }

    /**
     * Creates the rows of users that do not exist yet, locked, and loads them. On PostgreSQL the
     * insert skips rows another request is creating at the same moment ({@code ON CONFLICT DO
     * NOTHING} waits for it to commit), and the following lock loads that request's result: the two
     * requests queue on the row instead of failing. On H2 a concurrent creation fails on the key and
     * the caller retries. Rows are written with a placeholder signup time that the caller's save
     * replaces before commit, so nobody ever sees a half-made user.
     */
    public void create(Map<String, Loaded> users, Collection<String> ids, Instant now) {
        List<String> missing = ids.stream().filter(id -> users.get(id).entity == null).sorted().toList();
        for (int from = 0; from < missing.size(); from += CREATE_CHUNK) {
            List<String> chunk = missing.subList(from, Math.min(missing.size(), from + CREATE_CHUNK));
            StringBuilder sql = new StringBuilder("INSERT INTO users (id, traits, activity, signed_up_at, signup_from_trait, "
                    + "created_at, updated_at) VALUES ");
            for (int i = 0; i < chunk.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(?").append(i + 1).append(", '{}', '{}', ?").append(chunk.size() + 1)
                        .append(", FALSE, ?").append(chunk.size() + 2).append(", ?").append(chunk.size() + 2).append(')');
            }
            if (postgres) {
                sql.append(" ON CONFLICT (id) DO NOTHING");
            }
            var insert = em.createNativeQuery(sql.toString());
            for (int i = 0; i < chunk.size(); i++) {
                insert.setParameter(i + 1, chunk.get(i));
            }
            insert.setParameter(chunk.size() + 1, PLACEHOLDER_SIGNUP).setParameter(chunk.size() + 2, now).executeUpdate();
        }
        if (!missing.isEmpty()) {
            users.putAll(lockAndLoad(missing));
        }
    }

    private void loadDetails(Map<String, Loaded> loaded, List<String> ids) {
        // projections, not entities: nothing here is changed, so nothing should be dirty-checked at flush
        for (Object[] m : em.createQuery("select m.userId, m.milestone, m.reachedAt, m.ruleName from MilestoneEntity m "
                        + "where m.userId in :ids", Object[].class)
                .setParameter("ids", ids).getResultList()) {
            loaded.get((String) m[0]).state.milestones().put((String) m[1],
                    new UserState.Reached((String) m[1], (Instant) m[2], (String) m[3]));
        }
        for (Object[] s : em.createQuery("select s.userId, s.milestone, s.since from StallEntity s where s.userId in :ids",
                        Object[].class)
                .setParameter("ids", ids).getResultList()) {
            loaded.get((String) s[0]).state.stalls().put((String) s[1], (Instant) s[2]);
        }
        for (Object[] row : em.createQuery("select a.userId, a.action, max(a.occurrence), max(a.triggeredAt), max(a.ruleName) "
                        + "from ActionEntity a where a.userId in :ids group by a.userId, a.action", Object[].class)
                .setParameter("ids", ids).getResultList()) {
            loaded.get((String) row[0]).state.actions().put((String) row[1],
                    new UserState.ActionHistory(((Number) row[2]).intValue(), (Instant) row[3], (String) row[4]));
        }
    }

    /** A stored user's activity, by event name (sorted). */
    public static Map<String, EventHistory> activity(UserEntity u) {
        Map<String, EventHistory> histories = new TreeMap<>();
        ActivityCodec.read(u.activity, event -> histories.computeIfAbsent(event, EventHistory::new));
        return histories;
    }

    /** Message ids among {@code ids} that are already stored. */
    public Set<String> storedMessageIds(Collection<String> ids) {
        Set<String> found = new HashSet<>();
        if (ids.isEmpty()) {
            return found;
        }
        found.addAll(em.createQuery("select e.messageId from EventEntity e where e.messageId in :ids", String.class)
                .setParameter("ids", ids).getResultList());
        return found;
    }

    /**
     * Writes what a replay may change on a user's row: stage and next check. The rest of the row
     * (traits, signup, activity) is what ingestion made of the events, and stays.
     */
    public void saveStage(Loaded l, String stage, Instant nextCheckAt, Instant now) {
        UserEntity u = l.entity;
        if (!Objects.equals(u.stage, stage) || !Objects.equals(u.nextCheckAt, nextCheckAt)) {
            u.stage = stage;
            u.nextCheckAt = nextCheckAt;
            u.updatedAt = now;
        }
    }

    /** Writes the user's row (created by {@link #create} if new), activity included. */
    public UserEntity saveUser(Loaded l, String stage, Instant nextCheckAt, Instant now) {
        UserState s = l.state;
        UserEntity u = l.entity;
        u.traits = Json.write(mapper, s.traits());
        u.signedUpAt = s.signedUpAt();
        u.signupFromTrait = s.signupFromTrait();
        u.lastEventAt = s.lastEventAt();
        u.stage = stage;
        u.nextCheckAt = nextCheckAt;
        u.updatedAt = now;
        u.activity = ActivityCodec.write(s.activity());
        return u;
    }
}
