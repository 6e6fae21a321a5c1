package io.milepost.identity;

import io.milepost.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ids merged into another user ({@code user_aliases}): each points at the user that exists now, so
 * resolving an id is one look-up. Written only by a merge, with both users' rows locked.
 */
@ApplicationScoped
public class Aliases {
    public static final String TARGETS = "SELECT alias_id, user_id FROM user_aliases WHERE alias_id = ANY(?)";

    private final EntityManager em;

    public Aliases(EntityManager em) {
        this.em = em;
    }

    /** For those of {@code ids} that were merged into another user: id → that user's id. */
    public Map<String, String> targets(Collection<String> ids) {
        Map<String, String> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(TARGETS)) {
                ps.setArray(1, Sql.strings(c, ids.stream().distinct().toList()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
        });
        return found;
    }

    /** The user an id stands for now: the user it was merged into, else itself. */
    public String resolve(String id) {
        return targets(List.of(id)).getOrDefault(id, id);
    }

    /** The user {@code id} was merged into, if it was. */
    public Optional<String> target(String id) {
        return Optional.ofNullable(targets(List.of(id)).get(id));
    }

    /** The ids merged into a user, oldest merge first. */
    public List<String> of(String userId) {
        List<String> ids = new ArrayList<>();
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT alias_id FROM user_aliases WHERE user_id = ? ORDER BY merged_at, alias_id")) {
                ps.setString(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
        });
        return ids;
    }

    /**
     * Records that {@code from} now stands for {@code into}, and moves the ids merged into {@code
     * from} earlier over to {@code into}. {@code via}: what merged it (a call type, or admin).
     */
    void record(String from, String into, String via, Instant now) {
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE user_aliases SET user_id = ? WHERE user_id = ?")) {
                ps.setString(1, into);
                ps.setString(2, from);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO user_aliases (alias_id, user_id, merged_at, via) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, from);
                ps.setString(2, into);
                ps.setObject(3, Sql.at(now));
                ps.setString(4, via);
                ps.executeUpdate();
            }
        });
    }
}
