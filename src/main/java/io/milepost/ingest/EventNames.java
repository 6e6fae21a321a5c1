package io.milepost.ingest;

import io.milepost.store.Sql;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Which event names have arrived lately (table {@code event_names}), so that rule validation can
 * warn about a rule waiting for an event nobody sends. Each instance writes a name at most once per
 * {@link #EVERY}, in a short transaction of its own after ingestion's, so hot names cost ingestion
 * nothing but a map look-up. Best effort: a failed write is logged and tried again an hour later.
 */
@ApplicationScoped
public class EventNames {
    private static final Logger LOG = Logger.getLogger(EventNames.class);
    /** How stale a name's last-seen time may get. */
    static final Duration EVERY = Duration.ofHours(1);
    /** Names remembered per instance; beyond this, names are written every time (and the map is cleared). */
    private static final int MAX_REMEMBERED = 10_000;

    private final EntityManager em;
    private final Map<String, Instant> written = new ConcurrentHashMap<>();

    public EventNames(EntityManager em) {
        this.em = em;
    }

    /** Notes that events of these names arrived at {@code now}. */
    public void seen(Collection<String> names, Instant now) {
        Set<String> due = new HashSet<>();
        for (String name : names) {
            Instant last = written.get(name);
            if (name != null && (last == null || last.plus(EVERY).isBefore(now))) {
                due.add(name);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        try {
            QuarkusTransaction.requiringNew()
                    .run(() -> Sql.run(em, c -> {
                        try (PreparedStatement ps = c.prepareStatement(
                                "MERGE INTO event_names t USING (VALUES (CAST(? AS VARCHAR(200)), "
                                        + "CAST(? AS TIMESTAMP WITH TIME ZONE))) AS s(name, seen) ON t.name = s.name "
                                        + "WHEN MATCHED AND t.last_seen_at < s.seen THEN UPDATE SET last_seen_at = s.seen "
                                        + "WHEN NOT MATCHED THEN INSERT (name, last_seen_at) VALUES (s.name, s.seen)")) {
                            for (String name : due.stream().sorted().toList()) {
                                ps.setString(1, name);
                                ps.setObject(2, Sql.at(now));
                                ps.addBatch();
                            }
                            ps.executeBatch();
                        }
                    }));
            if (written.size() > MAX_REMEMBERED) {
                written.clear();
            }
            due.forEach(n -> written.put(n, now));
        } catch (RuntimeException e) {
            // two instances inserting the same new name at once: the other one wrote it
            LOG.debugf("event names not noted this time: %s", e.getMessage());
        }
    }

    /** Of {@code names}, those not seen since {@code since}. */
    public Set<String> notSeenSince(Collection<String> names, Instant since) {
        if (names.isEmpty()) {
            return Set.of();
        }
        @SuppressWarnings("unchecked")
        List<String> seen = em.createNativeQuery(
                        "SELECT name FROM event_names WHERE name IN (?1) AND last_seen_at >= ?2")
                .setParameter(1, List.copyOf(names))
                .setParameter(2, since)
                .getResultList();
        Set<String> missing = new java.util.TreeSet<>(names);
        seen.forEach(missing::remove);
        return missing;
    }
}
