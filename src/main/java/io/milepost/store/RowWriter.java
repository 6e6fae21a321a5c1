package io.milepost.store;

import static io.milepost.store.Sql.at;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The write path of ingestion, the stall sweep and replays: the rows a transaction adds (events,
 * milestones, stalls, actions, evaluation failures, outbox messages) and the user rows it changes,
 * collected while the transaction evaluates its users and written with one JDBC batch per table
 * when it calls {@link #flush()} (or, at the latest, just before it commits).
 *
 * <p>Plain JDBC instead of entities: these rows are never read back in the transaction that writes
 * them, and Hibernate's persistence context (an entity copy per row, dirty checking at flush, a query
 * translation per IN list) cost more than the database's own work. Ids come from the tables'
 * sequences in blocks ({@link IdBlocks}). The entities stay, for reading.
 *
 * <p>Tables are written in a fixed order (users first, in the order the caller locked them) within
 * the caller's transaction, on its connection.
 */
@ApplicationScoped
public class RowWriter {
    private static final int BLOCK = 500;

    // The statements of the write path; public so that the benchmarks run exactly these.
    public static final String UPDATE_USER = "UPDATE users SET traits = ?, activity = ?, signed_up_at = ?, "
            + "signup_from_trait = ?, last_event_at = ?, stage = ?, next_check_at = ?, updated_at = ? WHERE id = ?";
    public static final String IDENTIFIED = "UPDATE users SET identified = TRUE WHERE id = ?";
    public static final String UPDATE_STAGE =
            "UPDATE users SET stage = ?, next_check_at = ?, updated_at = ? WHERE id = ?";
    public static final String EVENT = "INSERT INTO events (id, message_id, user_id, type, name, payload, occurred_at, "
            + "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    public static final String MILESTONE = "INSERT INTO milestones (id, user_id, milestone, reached_at, rule_name, "
            + "rules_version, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
    public static final String STALL = "INSERT INTO stalls (id, user_id, milestone, since, rules_version, recorded_at) "
            + "VALUES (?, ?, ?, ?, ?, ?)";
    public static final String ACTION =
            "INSERT INTO actions (id, user_id, action, occurrence, triggered_at, rule_name, "
                    + "payload, suppressed, rules_version, recorded_at, held_out, suppressed_reason) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    public static final String FAILURE =
            "INSERT INTO evaluation_failures (id, user_id, occurred_at, rule_name, message, "
                    + "rules_version, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
    public static final String OUTBOX =
            "INSERT INTO outbox (id, type, user_id, subject, body, occurred_at, created_at, "
                    + "webhook_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    public static final String KPI_DAY = "INSERT INTO kpi_dirty_days (signup_day) VALUES (?)";

    private final EntityManager em;
    private final TransactionSynchronizationRegistry transactions;
    private final IdBlocks eventIds = new IdBlocks("event_seq", BLOCK);
    private final IdBlocks recordIds = new IdBlocks("record_seq", BLOCK);
    private final IdBlocks outboxIds = new IdBlocks("outbox_seq", BLOCK);

    public RowWriter(EntityManager em, TransactionSynchronizationRegistry transactions) {
        this.em = em;
        this.transactions = transactions;
    }

    /** A user row's new content after an evaluation of events. */
    public record UserRow(
            String id,
            String traits,
            String activity,
            Instant signedUpAt,
            boolean signupFromTrait,
            Instant lastEventAt,
            String stage,
            Instant nextCheckAt,
            Instant updatedAt) {}

    public void user(UserRow u) {
        pending().users.add(new Object[] {
            u.traits(),
            u.activity(),
            at(u.signedUpAt()),
            u.signupFromTrait(),
            at(u.lastEventAt()),
            u.stage(),
            at(u.nextCheckAt()),
            at(u.updatedAt()),
            u.id()
        });
    }

    /** Only the stage and the next check (the sweep and replays change nothing else on the row). */
    public void stage(String userId, String stage, Instant nextCheckAt, Instant updatedAt) {
        pending().stages.add(new Object[] {stage, at(nextCheckAt), at(updatedAt), userId});
    }

    /** The user, seen so far only under an anonymousId, was named by a userId: no longer mergeable by ingestion. */
    public void identified(String userId) {
        pending().identified.add(new Object[] {userId});
    }

    public void event(
            String messageId,
            String userId,
            String type,
            String name,
            String payload,
            Instant occurredAt,
            Instant receivedAt) {
        pending().events.add(new Object[] {null, messageId, userId, type, name, payload, at(occurredAt), at(receivedAt)
        });
    }

    public void milestone(
            String userId, String milestone, Instant reachedAt, String rule, String version, Instant now) {
        pending().milestones.add(new Object[] {null, userId, milestone, at(reachedAt), rule, version, at(now)});
    }

    public void stall(String userId, String milestone, Instant since, String version, Instant now) {
        pending().stalls.add(new Object[] {null, userId, milestone, at(since), version, at(now)});
    }

    /**
     * An action row. {@code suppressed}: why it was recorded without being sent ({@code silent_replay},
     * {@code stale}, {@code stall_resolved}), or null; {@code heldOut}: the user is in the rule's
     * {@code @holdout} control group (not sent either).
     */
    public void action(
            String userId,
            String action,
            int occurrence,
            Instant triggeredAt,
            String rule,
            String payload,
            String suppressed,
            boolean heldOut,
            String version,
            Instant now) {
        pending().actions.add(new Object[] {
            null,
            userId,
            action,
            occurrence,
            at(triggeredAt),
            rule,
            payload,
            suppressed != null,
            version,
            at(now),
            heldOut,
            suppressed
        });
    }

    public void failure(String userId, Instant occurredAt, String rule, String message, String version, Instant now) {
        pending().failures.add(new Object[] {null, userId, at(occurredAt), rule, message, version, at(now)});
    }

    public void outbox(
            String type,
            String userId,
            String subject,
            String body,
            Instant occurredAt,
            Instant now,
            String webhookId) {
        pending().outbox.add(new Object[] {null, type, userId, subject, body, at(occurredAt), at(now), webhookId});
    }

    /**
     * Marks the signup day of {@code signedUpAt} for a recount of its KPI figures: the caller changed
     * a record they count (a milestone, stall or action, a signup time or trait, an erasure).
     */
    public void kpiDay(Instant signedUpAt) {
        pending().kpiDays.add(Math.floorDiv(signedUpAt.getEpochSecond(), 86_400L));
    }

    /** Writes what the current transaction has collected so far; a no-op when nothing is pending. */
    public void flush() {
        Pending p = (Pending) transactions.getResource(Pending.class);
        if (p == null || p.isEmpty()) {
            return;
        }
        Sql.run(em, c -> {
            batch(c, UPDATE_USER, p.users, null);
            batch(c, IDENTIFIED, p.identified, null);
            batch(c, UPDATE_STAGE, p.stages, null);
            batch(c, EVENT, p.events, eventIds);
            batch(c, MILESTONE, p.milestones, recordIds);
            batch(c, STALL, p.stalls, recordIds);
            batch(c, ACTION, p.actions, recordIds);
            batch(c, FAILURE, p.failures, recordIds);
            batch(c, OUTBOX, p.outbox, outboxIds);
            batch(c, KPI_DAY, p.kpiDays.stream().map(day -> new Object[] {day}).toList(), null);
        });
        p.clear();
    }

    private static void batch(Connection c, String sql, List<Object[]> rows, IdBlocks ids) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                if (ids != null) {
                    row[0] = ids.next(c);
                }
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private Pending pending() {
        Pending p = (Pending) transactions.getResource(Pending.class);
        if (p == null) {
            p = new Pending();
            transactions.putResource(Pending.class, p);
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    // callers flush before they commit; this catches a path that forgot, so nothing is lost
                    flush();
                }

                @Override
                public void afterCompletion(int status) {}
            });
        }
        return p;
    }

    /** The rows one transaction has collected, by table. */
    private static final class Pending {
        final List<Object[]> users = new ArrayList<>();
        final List<Object[]> stages = new ArrayList<>();
        final List<Object[]> identified = new ArrayList<>();
        final List<Object[]> events = new ArrayList<>();
        final List<Object[]> milestones = new ArrayList<>();
        final List<Object[]> stalls = new ArrayList<>();
        final List<Object[]> actions = new ArrayList<>();
        final List<Object[]> failures = new ArrayList<>();
        final List<Object[]> outbox = new ArrayList<>();
        final Set<Long> kpiDays = new TreeSet<>();

        boolean isEmpty() {
            return users.isEmpty()
                    && stages.isEmpty()
                    && identified.isEmpty()
                    && events.isEmpty()
                    && milestones.isEmpty()
                    && stalls.isEmpty()
                    && actions.isEmpty()
                    && failures.isEmpty()
                    && outbox.isEmpty()
                    && kpiDays.isEmpty();
        }

        void clear() {
            users.clear();
            stages.clear();
            identified.clear();
            events.clear();
            milestones.clear();
            stalls.clear();
            actions.clear();
            failures.clear();
            outbox.clear();
            kpiDays.clear();
        }
    }
}
