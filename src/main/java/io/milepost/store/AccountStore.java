package io.milepost.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.Json;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Accounts (Segment {@code group}) and who belongs to them. A request that names accounts locks
 * their rows after its users' rows (both in id order, so requests never wait on each other in a
 * cycle), lays its calls' traits over the stored ones and writes them back in the same transaction.
 */
@ApplicationScoped
public class AccountStore {
    public static final String LOCK_ACCOUNTS =
            "SELECT id, traits FROM accounts WHERE id = ANY(?) ORDER BY id FOR UPDATE";
    static final String UPDATE_ACCOUNT = "UPDATE accounts SET traits = ?, updated_at = ? WHERE id = ?";
    static final String ADD_MEMBER = "INSERT INTO account_members (user_id, account_id, joined_at) VALUES (?, ?, ?)";

    private final EntityManager em;
    private final ObjectMapper mapper;
    private final boolean postgres;

    public AccountStore(
            EntityManager em, ObjectMapper mapper, @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
        this.em = em;
        this.mapper = mapper;
        this.postgres = dbKind.toLowerCase().startsWith("postgres");
    }

    /**
     * Creates the accounts that do not exist yet and locks all of them; returns each one's stored
     * traits (empty for a new one), by id. Must run in a transaction. A concurrent creation of the
     * same account fails on its key on H2 (the caller retries) and is waited for on PostgreSQL.
     */
    public Map<String, Map<String, Object>> lockAndLoad(Collection<String> ids, Instant now) {
        List<String> sorted = ids.stream().distinct().sorted().toList();
        Map<String, Map<String, Object>> traits = new TreeMap<>();
        if (sorted.isEmpty()) {
            return traits;
        }
        Sql.run(em, c -> {
            lock(c, sorted, traits);
            List<String> missing =
                    sorted.stream().filter(id -> !traits.containsKey(id)).toList();
            if (missing.isEmpty()) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (id, traits, created_at, updated_at) "
                    + "VALUES (?, '{}', ?, ?)" + (postgres ? " ON CONFLICT (id) DO NOTHING" : ""))) {
                for (String id : missing) {
                    ps.setString(1, id);
                    ps.setObject(2, Sql.at(now));
                    ps.setObject(3, Sql.at(now));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            lock(c, missing, traits);
        });
        return traits;
    }

    private void lock(java.sql.Connection c, List<String> ids, Map<String, Map<String, Object>> into)
            throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK_ACCOUNTS)) {
            ps.setArray(1, Sql.strings(c, ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    into.put(rs.getString(1), Json.readMap(mapper, rs.getString(2)));
                }
            }
        }
    }

    /** Writes the accounts' traits, and the memberships that are new (user id → account ids). */
    public void save(
            Map<String, Map<String, Object>> accounts, Map<String, Collection<String>> newMembers, Instant now) {
        if (accounts.isEmpty() && newMembers.isEmpty()) {
            return;
        }
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(UPDATE_ACCOUNT)) {
                for (Map.Entry<String, Map<String, Object>> a : accounts.entrySet()) {
                    ps.setString(1, Json.write(mapper, a.getValue()));
                    ps.setObject(2, Sql.at(now));
                    ps.setString(3, a.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement(ADD_MEMBER)) {
                for (Map.Entry<String, Collection<String>> m : new TreeMap<>(newMembers).entrySet()) {
                    for (String account : m.getValue()) {
                        ps.setString(1, m.getKey());
                        ps.setString(2, account);
                        ps.setObject(3, Sql.at(now));
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
        });
    }

    /** The accounts of a user, with their traits, by account id (for reading). */
    public Map<String, Map<String, Object>> of(String userId) {
        Map<String, Map<String, Object>> accounts = new LinkedHashMap<>();
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT a.id, a.traits FROM account_members m "
                    + "JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ? ORDER BY m.joined_at, a.id")) {
                ps.setString(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        accounts.put(rs.getString(1), Json.readMap(mapper, rs.getString(2)));
                    }
                }
            }
        });
        return accounts;
    }
}
