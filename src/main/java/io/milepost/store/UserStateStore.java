package io.milepost.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.Json;
import io.milepost.engine.EventHistory;
import io.milepost.engine.UserState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

    private final EntityManager em;
    private final ObjectMapper mapper;

    public UserStateStore(EntityManager em, ObjectMapper mapper) {
        this.em = em;
        this.mapper = mapper;
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
     * Inserts the rows of new users at once (flushed), so that a concurrent request creating the
     * same user waits on this row and then fails fast on its key, to be retried against it, before
     * doing any other work.
     */
    public Map<String, Loaded> create(Map<String, Loaded> users, Collection<String> ids, Instant now) {
        boolean any = false;
        for (String id : ids) {
            Loaded l = users.get(id);
            if (l.entity != null) {
                continue;
            }
            UserEntity u = new UserEntity();
            u.id = id;
            u.traits = "{}";
            u.activity = "{}";
            u.signedUpAt = now;
            u.createdAt = now;
            u.updatedAt = now;
            em.persist(u);
            users.put(id, new Loaded(u, l.state));
            any = true;
        }
        if (any) {
            em.flush();
        }
        return users;
    }

    private void loadDetails(Map<String, Loaded> loaded, List<String> ids) {
        for (MilestoneEntity m : em.createQuery("from MilestoneEntity m where m.userId in :ids", MilestoneEntity.class)
                .setParameter("ids", ids).getResultList()) {
            loaded.get(m.userId).state.milestones().put(m.milestone, new UserState.Reached(m.milestone, m.reachedAt, m.ruleName));
        }
        for (StallEntity s : em.createQuery("from StallEntity s where s.userId in :ids", StallEntity.class)
                .setParameter("ids", ids).getResultList()) {
            loaded.get(s.userId).state.stalls().put(s.milestone, s.since);
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
