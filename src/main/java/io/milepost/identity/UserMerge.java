package io.milepost.identity;

import io.micrometer.core.instrument.MeterRegistry;
import io.milepost.engine.EventHistory;
import io.milepost.engine.FirstTouch;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.engine.Windows;
import io.milepost.milestone.OutcomeRecorder;
import io.milepost.store.EventLog;
import io.milepost.store.RowWriter;
import io.milepost.store.Sql;
import io.milepost.store.UserStateStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges one user into another inside the caller's transaction, both users' rows locked by the
 * caller (in id order): the absorbed user's events, activity, traits, milestones, stalls, actions,
 * rule failures, outbox messages and accounts become the surviving user's, its row is deleted and
 * its id becomes an alias of the survivor. Once-only records stay once: of a milestone or stall both
 * have, the earlier is kept; of an action both got, the series that began earlier. Then the
 * survivor is rebuilt from the combined events, as a replay does, so that a milestone that needs
 * both histories is reached at the time of the event that completed it. See docs/adr/0011-identity-merge.md.
 */
@ApplicationScoped
public class UserMerge {
    private final EntityManager em;
    private final Aliases aliases;
    private final EventLog log;
    private final OutcomeRecorder recorder;
    private final RowWriter rows;
    private final JourneyEngine engine;
    private final MeterRegistry metrics;

    public UserMerge(
            EntityManager em,
            Aliases aliases,
            EventLog log,
            OutcomeRecorder recorder,
            RowWriter rows,
            JourneyEngine engine,
            MeterRegistry metrics) {
        this.rows = rows;
        this.em = em;
        this.aliases = aliases;
        this.log = log;
        this.recorder = recorder;
        this.engine = engine;
        this.metrics = metrics;
    }

    /**
     * Merges {@code from} into {@code into}; both must be loaded and locked in this transaction, and
     * {@code into} is saved by the caller afterwards (its state now holds both). {@code from} may be a
     * row created in this transaction only to hold its id (an id never seen before): then only the
     * alias is recorded. {@code via} says what merged them (a call type, or {@code admin}).
     */
    public void merge(RuleBook book, UserStateStore.Loaded from, UserStateStore.Loaded into, String via, Instant now) {
        UserState f = from.state();
        UserState t = into.state();
        boolean bothHaveHistory = f.stored() && t.stored();
        // the KPI figures of both users' signup days change (one user leaves each, or moves): recount them
        for (UserState s : List.of(f, t)) {
            if (s.stored()) {
                rows.kpiDay(s.signedUpAt());
            }
        }
        if (f.stored()) {
            Map<String, Instant> firstActions = new HashMap<>();
            Map<String, Instant> firstActionsOfInto = new HashMap<>();
            Sql.run(em, c -> firstActions(c, f.id(), t.id(), firstActions, firstActionsOfInto));
            Kept kept = Kept.decide(f, t, firstActions, firstActionsOfInto);
            Sql.run(em, c -> move(c, f.id(), t.id(), kept));
            absorb(t, f, kept);
        } else {
            Sql.run(em, c -> update(c, "DELETE FROM users WHERE id = ?", f.id()));
        }
        if (t.signedUpAt() != null) {
            rows.kpiDay(t.signedUpAt()); // the survivor's signup after the merge (saving it marks it again if it moved)
        }
        aliases.record(f.id(), t.id(), via, now);
        metrics.counter("milepost.identity.merges", "via", via).increment();
        if (bothHaveHistory && book != null) {
            reevaluate(book, into, now);
        }
    }

    /** Which once-only records of each side a merge drops: the later of two. */
    record Kept(
            List<String> milestonesDroppedFrom,
            List<String> milestonesDroppedInto,
            List<String> stallsDroppedFrom,
            List<String> stallsDroppedInto,
            List<String> actionsDroppedFrom,
            List<String> actionsDroppedInto) {

        static Kept decide(
                UserState f, UserState t, Map<String, Instant> actionsOfFrom, Map<String, Instant> actionsOfInto) {
            List<String> mf = new ArrayList<>();
            List<String> mt = new ArrayList<>();
            for (UserState.Reached r : f.milestones().values()) {
                UserState.Reached other = t.milestones().get(r.milestone());
                if (other != null) {
                    (r.at().isBefore(other.at()) ? mt : mf).add(r.milestone());
                }
            }
            List<String> sf = new ArrayList<>();
            List<String> st = new ArrayList<>();
            for (Map.Entry<String, Instant> s : f.stalls().entrySet()) {
                Instant other = t.stalls().get(s.getKey());
                if (other != null) {
                    (s.getValue().isBefore(other) ? st : sf).add(s.getKey());
                }
            }
            List<String> af = new ArrayList<>();
            List<String> at = new ArrayList<>();
            for (Map.Entry<String, Instant> a : actionsOfFrom.entrySet()) {
                Instant other = actionsOfInto.get(a.getKey());
                if (other != null) {
                    (a.getValue().isBefore(other) ? at : af).add(a.getKey());
                }
            }
            return new Kept(mf, mt, sf, st, af, at);
        }
    }

    private static void firstActions(
            Connection c, String from, String into, Map<String, Instant> ofFrom, Map<String, Instant> ofInto)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT user_id, action, MIN(triggered_at) FROM actions "
                + "WHERE user_id = ? OR user_id = ? GROUP BY user_id, action")) {
            ps.setString(1, from);
            ps.setString(2, into);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    (from.equals(rs.getString(1)) ? ofFrom : ofInto).put(rs.getString(2), Sql.instant(rs, 3));
                }
            }
        }
    }

    /** Moves every record of {@code from} to {@code into}, dropping the later of two once-only records. */
    private static void move(Connection c, String from, String into, Kept kept) throws SQLException {
        update(c, "UPDATE events SET user_id = ? WHERE user_id = ?", into, from);
        drop(c, "milestones", "milestone", from, kept.milestonesDroppedFrom());
        drop(c, "milestones", "milestone", into, kept.milestonesDroppedInto());
        drop(c, "stalls", "milestone", from, kept.stallsDroppedFrom());
        drop(c, "stalls", "milestone", into, kept.stallsDroppedInto());
        drop(c, "actions", "action", from, kept.actionsDroppedFrom());
        drop(c, "actions", "action", into, kept.actionsDroppedInto());
        for (String table : List.of("milestones", "stalls", "actions", "evaluation_failures", "outbox", "deliveries")) {
            update(c, "UPDATE " + table + " SET user_id = ? WHERE user_id = ?", into, from);
        }
        update(
                c,
                "DELETE FROM account_members WHERE user_id = ? AND account_id IN "
                        + "(SELECT account_id FROM account_members WHERE user_id = ?)",
                from,
                into);
        update(c, "UPDATE account_members SET user_id = ? WHERE user_id = ?", into, from);
        update(c, "DELETE FROM users WHERE id = ?", from);
    }

    private static void drop(Connection c, String table, String column, String userId, List<String> names)
            throws SQLException {
        if (names.isEmpty()) {
            return;
        }
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM " + table + " WHERE user_id = ? AND " + column + " = ANY(?)")) {
            ps.setString(1, userId);
            ps.setArray(2, Sql.strings(c, names));
            ps.executeUpdate();
        }
    }

    private static void update(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    /** The survivor's state after the merge, in memory, as {@link #move} left the records. */
    static void absorb(UserState t, UserState f, Kept kept) {
        Map<String, Object> traits = new LinkedHashMap<>(f.traits());
        traits.putAll(t.traits()); // the surviving user's traits win...
        boolean fromTouchedFirst = FirstTouch.present(f.traits())
                && (!FirstTouch.present(t.traits()) || firstSeen(f).isBefore(firstSeen(t)));
        if (fromTouchedFirst) { // ...but where they came from is where they came first
            FirstTouch.TRAITS.forEach(traits::remove);
            FirstTouch.TRAITS.stream()
                    .filter(k -> f.traits().containsKey(k))
                    .forEach(k -> traits.put(k, f.traits().get(k)));
        }
        t.traits().clear();
        t.mergeTraits(traits);
        if (!t.signupFromTrait()) {
            if (f.signupFromTrait()
                    || t.signedUpAt() == null
                    || f.signedUpAt() != null && f.signedUpAt().isBefore(t.signedUpAt())) {
                t.signedUpAt(f.signedUpAt(), f.signupFromTrait());
            }
        }
        if (f.lastEventAt() != null
                && (t.lastEventAt() == null || f.lastEventAt().isAfter(t.lastEventAt()))) {
            t.lastEventAt(f.lastEventAt());
        }
        for (EventHistory h : f.histories().values()) {
            t.history(h.event()).absorb(h);
        }
        for (UserState.Reached r : f.milestones().values()) {
            if (!kept.milestonesDroppedFrom().contains(r.milestone())) {
                t.milestones().put(r.milestone(), r);
            }
        }
        for (Map.Entry<String, Instant> s : f.stalls().entrySet()) {
            if (!kept.stallsDroppedFrom().contains(s.getKey())) {
                t.stalls().put(s.getKey(), s.getValue());
            }
        }
        for (Map.Entry<String, UserState.ActionHistory> a : f.actions().entrySet()) {
            if (!kept.actionsDroppedFrom().contains(a.getKey())) {
                t.actions().put(a.getKey(), a.getValue());
            }
        }
        f.accounts().forEach(t.accounts()::putIfAbsent);
        t.identified(t.identified() || f.identified());
    }

    /** When a user was first seen: their first event, else their signup. */
    private static Instant firstSeen(UserState s) {
        Instant first = s.signedUpAt() == null ? Instant.MAX : s.signedUpAt();
        for (EventHistory h : s.activity().values()) {
            if (h.firstAt() != null && h.firstAt().isBefore(first)) {
                first = h.firstAt();
            }
        }
        return first;
    }

    /**
     * Rebuilds the merged user from the combined events, holding back what is on record until its
     * time (as a replay does), and records what the combined history reaches that neither reached
     * alone, at the time of the event that completed it.
     */
    private void reevaluate(RuleBook book, UserStateStore.Loaded into, Instant now) {
        UserState merged = into.state();
        List<EventLog.Stored> events = log.load(List.of(merged.id())).getOrDefault(merged.id(), List.of());
        UserState rebuilt = UserState.fresh(merged.id());
        rebuilt.holdBackRecorded(merged.milestones(), merged.stalls());
        rebuilt.actions().putAll(merged.actions());
        Map<String, Object> touch = new LinkedHashMap<>();
        FirstTouch.TRAITS.stream()
                .filter(k -> merged.traits().containsKey(k))
                .forEach(k -> touch.put(k, merged.traits().get(k)));
        rebuilt.mergeTraits(touch);
        Outcomes found =
                engine.apply(book, rebuilt, events.stream().map(log::input).toList());
        for (Outcomes.MilestoneReached m : found.milestones) {
            merged.milestones().put(m.milestone(), new UserState.Reached(m.milestone(), m.at(), m.rule()));
        }
        for (Outcomes.ActionTriggered a : found.actions) {
            merged.actions().put(a.action(), new UserState.ActionHistory(a.occurrence(), a.at(), a.rule()));
        }
        recorder.record(book, merged, Windows.stage(book, merged), found, now);
    }
}
