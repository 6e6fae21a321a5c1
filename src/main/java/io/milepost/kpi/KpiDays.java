package io.milepost.kpi;

import io.milepost.config.MilepostConfig;
import io.milepost.engine.RuleBook;
import io.milepost.kpi.JourneyQueries.ByDay;
import io.milepost.kpi.JourneyQueries.ByDayValue;
import io.milepost.kpi.JourneyQueries.Counts;
import io.milepost.kpi.JourneyQueries.Grouping;
import io.milepost.kpi.JourneyQueries.Key;
import io.milepost.kpi.JourneyQueries.Range;
import io.milepost.kpi.JourneyQueries.Scope;
import io.milepost.rules.RuleSet;
import io.milepost.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The KPI figures kept per signup day (tables {@code kpi_days}, {@code kpi_action_days}): what an
 * answer reads instead of every user of its range, and how days are recounted from the records.
 *
 * <p>A day's figures are only read while they match the records: every change to what they count
 * marks the day in {@code kpi_dirty_days} in the same transaction ({@link io.milepost.store.RowWriter#kpiDay}),
 * and an answer counts marked days from the records until the fold has recounted them. Figures
 * are kept under a {@link #fingerprint} of the milestone catalog and the breakdown traits; days
 * not counted under the current one are counted from the records, and recounted in the background.
 * See docs/adr/0010-kpi-figures-per-signup-day.md.
 */
@ApplicationScoped
class KpiDays {
    static final long SECONDS_PER_DAY = 86_400L;
    /** The row of a day's (or a trait value's) users; milestone rows carry the milestone's name. */
    static final String USERS_ROW = "";
    /** The trait of the rows of the whole day. */
    static final String WHOLE_DAY = "";

    /** Draws the recount ids: random, so that instances recounting days need not agree on a counter. */
    private static final SecureRandom RECOUNT_IDS = new SecureRandom();

    private final EntityManager em;
    private final JourneyQueries queries;
    private final ActionQueries actions;
    private final RuleSet rules;
    private final KeptRows kept;
    private final List<String> breakdownTraits;

    KpiDays(
            EntityManager em,
            JourneyQueries queries,
            ActionQueries actions,
            RuleSet rules,
            KeptRows kept,
            MilepostConfig config) {
        this.em = em;
        this.kept = kept;
        this.queries = queries;
        this.actions = actions;
        this.rules = rules;
        this.breakdownTraits = config.kpis().breakdownTraits().stream()
                .map(String::trim)
                .filter(t -> !t.isEmpty())
                .distinct()
                .toList();
    }

    /** The journey of the rules loaded now. */
    Journey journey() {
        RuleBook book = rules.current();
        return Journey.of(book == null ? List.of() : book.milestones());
    }

    boolean keeps(String trait) {
        return breakdownTraits.contains(trait);
    }

    List<String> breakdownTraits() {
        return breakdownTraits;
    }

    /** What kept figures are valid for: the journey (names, order, windows, {@code @after}) and the breakdown traits. */
    String fingerprint(Journey journey) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(journey.fingerprint().getBytes(StandardCharsets.UTF_8));
            sha.update(String.join("\u0000", breakdownTraits).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static long day(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), SECONDS_PER_DAY);
    }

    static Instant start(long day) {
        return Instant.ofEpochSecond(day * SECONDS_PER_DAY);
    }

    /** Consecutive days as signup ranges, one per run. */
    static List<Range> ranges(Collection<Long> days) {
        List<Range> ranges = new ArrayList<>();
        Long first = null;
        long last = 0;
        for (long d : new TreeSet<>(days)) {
            if (first != null && d == last + 1) {
                last = d;
                continue;
            }
            if (first != null) {
                ranges.add(new Range(start(first), start(last + 1)));
            }
            first = d;
            last = d;
        }
        if (first != null) {
            ranges.add(new Range(start(first), start(last + 1)));
        }
        return ranges;
    }

    // ---- reading

    /**
     * The days of {@code [fromDay, toDay)} whose figures are kept under {@code fingerprint} and not
     * marked for a recount, each with the id of the recount that wrote them (null for figures kept
     * before recounts had ids), in one statement.
     */
    SortedMap<Long, Long> readable(String fingerprint, long fromDay, long toDay) {
        SortedMap<Long, Long> days = new TreeMap<>();
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT k.signup_day, k.recount_id FROM kpi_days k "
                    + "WHERE k.journey = ? AND k.trait = ? AND k.milestone = ? AND k.signup_day >= ? AND k.signup_day < ? "
                    + "AND NOT EXISTS (SELECT 1 FROM kpi_dirty_days d WHERE d.signup_day = k.signup_day)")) {
                ps.setString(1, fingerprint);
                ps.setString(2, WHOLE_DAY);
                ps.setString(3, USERS_ROW);
                ps.setLong(4, fromDay);
                ps.setLong(5, toDay);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long recount = rs.getLong(2);
                        days.put(rs.getLong(1), rs.wasNull() ? null : recount);
                    }
                }
            }
        });
        return days;
    }

    /** For each range, whether any user signed up in it: one statement, an index probe per range. */
    boolean[] signupsIn(List<Range> ranges) {
        boolean[] any = new boolean[ranges.size()];
        if (ranges.isEmpty()) {
            return any;
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < ranges.size(); i++) {
            sql.append(i == 0 ? "" : ", ")
                    .append("(SELECT MIN(signed_up_at) FROM users WHERE signed_up_at >= ? AND signed_up_at < ?)");
        }
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < ranges.size(); i++) {
                    ps.setObject(2 * i + 1, Sql.at(ranges.get(i).from()));
                    ps.setObject(2 * i + 2, Sql.at(ranges.get(i).to()));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    for (int i = 0; i < ranges.size(); i++) {
                        any[i] = rs.getObject(i + 1) != null;
                    }
                }
            }
        });
        return any;
    }

    /** The days of {@code [fromDay, toDay)} that have figures under {@code fingerprint}, marked or not. */
    private static Set<Long> counted(Connection c, String fingerprint, long fromDay, long toDay) throws SQLException {
        return longs(
                c,
                "SELECT signup_day FROM kpi_days WHERE journey = ? AND trait = ? AND milestone = ? "
                        + "AND signup_day >= ? AND signup_day < ?",
                fingerprint,
                WHOLE_DAY,
                USERS_ROW,
                fromDay,
                toDay);
    }

    /** The first column of a query's rows, as numbers in order. */
    private static Set<Long> longs(Connection c, String sql, Object... parameters) throws SQLException {
        Set<Long> values = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getLong(1));
                }
            }
        }
        return values;
    }

    /**
     * Adds the kept journey figures of {@code days} (each with the id of the recount that wrote it,
     * {@link #readable}) into {@code into}, keyed by (day or 0, trait value or null): parsed rows held
     * by {@link KeptRows} under that id, the other days read from the table (and held from then on).
     * {@code inProgress} and {@code droppedOff} are as of {@code asOf}, except on the day a window
     * from signup closes in and in the hour a window from an {@code @after} milestone closes in, where
     * they are as if it had closed: {@link JourneyQueries#openWindows} counts those.
     */
    void readJourney(
            Journey journey,
            String fingerprint,
            String trait,
            SortedMap<Long, Long> days,
            boolean byDay,
            Instant asOf,
            Map<Key, Tally> into) {
        if (days.isEmpty()) {
            return;
        }
        String traitName = trait == null ? WHOLE_DAY : trait;
        Map<Long, List<KeptRows.Row>> rows = new TreeMap<>();
        List<Long> missing = new ArrayList<>();
        days.forEach((day, recount) -> {
            List<KeptRows.Row> held = recount == null ? null : kept.get(fingerprint, traitName, day, recount);
            if (held == null) {
                missing.add(day);
            } else {
                rows.put(day, held);
            }
        });
        if (!missing.isEmpty()) {
            rows.putAll(readRows(fingerprint, traitName, missing));
        }
        Map<String, Journey.Step> steps = new HashMap<>();
        journey.steps().forEach(s -> steps.put(s.name(), s));
        // the time histograms are added up in arrays, then once into each tally's map
        Map<Key, long[][]> times = new HashMap<>();
        rows.forEach((day, dayRows) -> {
            for (KeptRows.Row r : dayRows) {
                Key key = new Key(byDay ? day : 0, trait == null ? null : r.traitValue());
                Tally t = into.computeIfAbsent(key, k -> new Tally(journey.size()));
                if (USERS_ROW.equals(r.milestone())) {
                    t.cohort += r.users();
                    continue;
                }
                Journey.Step s = steps.get(r.milestone());
                int i = s.index();
                Counts counts = new Counts(
                        r.reached(), r.previousReached(), r.reachedAfterPrevious(), r.reachedWithinWindow(), 0, 0);
                boolean open =
                        s.after() == null && s.within() != null && start(day).isAfter(asOf.minus(s.within()));
                // a window from signup open for the whole day: nobody has dropped off yet
                counts = open
                        ? new Counts(
                                counts.reached(),
                                counts.previousReached(),
                                counts.reachedAfterPrevious(),
                                counts.reachedWithinWindow(),
                                r.users() - counts.reached(),
                                0)
                        : Tally.settled(s, counts);
                if (s.after() != null && s.within() != null) {
                    // a window from the @after milestone is open for who reached it after the hour it closes in
                    long openAfter =
                            r.openAfter(Math.floorDiv(asOf.minus(s.within()).getEpochSecond(), 3600L));
                    counts = new Counts(
                            counts.reached(),
                            counts.previousReached(),
                            counts.reachedAfterPrevious(),
                            counts.reachedWithinWindow(),
                            counts.inProgress() + openAfter,
                            counts.droppedOff() - openAfter);
                }
                t.steps[i] = t.steps[i].plus(counts);
                t.stalls[i] += r.stalled();
                for (int b = 0; b < r.readable().length && b < t.readable[i].length; b++) {
                    t.readable[i][b] += r.readable()[b];
                }
                long[][] sums = times.computeIfAbsent(key, k -> new long[journey.size()][]);
                int[] buckets = r.timeBuckets();
                if (buckets.length > 0) {
                    int top = buckets[buckets.length - 1];
                    if (sums[i] == null || sums[i].length <= top) {
                        sums[i] = sums[i] == null ? new long[top + 1] : Arrays.copyOf(sums[i], top + 1);
                    }
                    long[] counted = r.timeCounts();
                    for (int b = 0; b < buckets.length; b++) {
                        sums[i][buckets[b]] += counted[b];
                    }
                }
            }
        });
        times.forEach((key, sums) -> {
            Tally t = into.get(key);
            for (int i = 0; i < sums.length; i++) {
                if (sums[i] != null) {
                    for (int b = 0; b < sums[i].length; b++) {
                        if (sums[i][b] != 0) {
                            t.times[i].merge(b, sums[i][b], Long::sum);
                        }
                    }
                }
            }
        });
    }

    /** The rows of {@code days} for one trait, parsed and held under the recount that wrote them. */
    private Map<Long, List<KeptRows.Row>> readRows(String fingerprint, String trait, List<Long> days) {
        Map<Long, List<KeptRows.Row>> rows = new TreeMap<>();
        Map<Long, Long> recounts = new HashMap<>();
        Set<Long> wanted = new TreeSet<>(days);
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT signup_day, trait_value, milestone, users, reached, "
                            + "previous_reached, reached_after_previous, reached_within_window, stalled, times, readable_times, "
                            + "open_after, recount_id FROM kpi_days WHERE journey = ? AND trait = ? AND signup_day >= ? AND signup_day < ?")) {
                ps.setString(1, fingerprint);
                ps.setString(2, trait);
                ps.setLong(3, Collections.min(days));
                ps.setLong(4, Collections.max(days) + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long day = rs.getLong(1);
                        if (!wanted.contains(day)) {
                            continue;
                        }
                        rows.computeIfAbsent(day, d -> new ArrayList<>())
                                .add(KeptRows.Row.parse(
                                        rs.getString(2),
                                        rs.getString(3),
                                        rs.getLong(4),
                                        rs.getLong(5),
                                        rs.getLong(6),
                                        rs.getLong(7),
                                        rs.getLong(8),
                                        rs.getLong(9),
                                        rs.getString(10),
                                        rs.getString(11),
                                        rs.getString(12)));
                        long recount = rs.getLong(13);
                        if (rs.wasNull()) {
                            recounts.put(day, null);
                        } else {
                            recounts.putIfAbsent(day, recount);
                        }
                    }
                }
            }
        });
        rows.forEach((day, dayRows) -> {
            Long recount = recounts.get(day);
            if (recount != null) {
                kept.put(fingerprint, trait, day, recount, dayRows);
            }
        });
        return rows;
    }

    /** Adds the kept action figures of {@code days} into {@code into}. */
    void readActions(String fingerprint, Set<Long> days, ActionQueries.Figures into) {
        if (days.isEmpty()) {
            return;
        }
        long fromDay = Collections.min(days);
        long toDay = Collections.max(days) + 1;
        Sql.run(em, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT signup_day, action, rule_name, triggered, users, held_out, "
                            + "suppressed, delivered, treated_users, treated_converted, control_users, control_converted "
                            + "FROM kpi_action_days WHERE journey = ? AND signup_day >= ? AND signup_day < ?")) {
                ps.setString(1, fingerprint);
                ps.setLong(2, fromDay);
                ps.setLong(3, toDay);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (days.contains(rs.getLong(1))) {
                            into.add(
                                    0,
                                    rs.getString(2),
                                    rs.getString(3),
                                    new ActionQueries.Row(
                                            rs.getLong(4),
                                            rs.getLong(5),
                                            rs.getLong(6),
                                            rs.getLong(7),
                                            rs.getLong(8),
                                            rs.getLong(9),
                                            rs.getLong(10),
                                            rs.getLong(11),
                                            rs.getLong(12)));
                        }
                    }
                }
            }
        });
    }

    // ---- recounting

    /** A marked day and the marks that name it. */
    record Marks(List<Long> ids, Set<Long> days) {}

    /** Locks the recount (one at a time across instances) for the rest of the caller's transaction. */
    void lock() {
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM kpi_recount_lock WHERE id = 1 FOR UPDATE");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        });
    }

    /** Up to {@code maxDays} marked days (the oldest marks first) and all their marks, as the caller's transaction sees them. */
    Marks marked(int maxDays) {
        List<Long> ids = new ArrayList<>();
        Set<Long> days = new TreeSet<>();
        Sql.run(em, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT id, signup_day FROM kpi_dirty_days ORDER BY id FETCH FIRST "
                            + (maxDays * 50) + " ROWS ONLY")) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long day = rs.getLong(2);
                        if (days.size() < maxDays || days.contains(day)) {
                            days.add(day);
                            ids.add(rs.getLong(1));
                        }
                    }
                }
            }
        });
        return new Marks(ids, days);
    }

    void unmark(List<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM kpi_dirty_days WHERE id = ANY(?)")) {
                ps.setArray(1, c.createArrayOf("BIGINT", ids.toArray()));
                ps.executeUpdate();
            }
        });
    }

    /** The signup days of the users on record, first and last, or null without users. */
    long[] signupDays() {
        long[] span = new long[2];
        boolean[] any = new boolean[1];
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT MIN(signed_up_at), MAX(signed_up_at) FROM users");
                    ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getObject(1) != null) {
                    span[0] = day(Sql.instant(rs, 1));
                    span[1] = day(Sql.instant(rs, 2));
                    any[0] = true;
                }
            }
        });
        return any[0] ? span : null;
    }

    /** Up to {@code max} signup days of the users on record without figures under {@code fingerprint}, earliest first. */
    List<Long> uncounted(String fingerprint, int max) {
        Set<Long> withUsers = new TreeSet<>();
        Sql.run(em, c -> {
            withUsers.addAll(longs(
                    c, "SELECT DISTINCT CAST(FLOOR(EXTRACT(EPOCH FROM signed_up_at) / 86400) AS BIGINT) FROM users"));
            withUsers.removeAll(counted(c, fingerprint, Long.MIN_VALUE, Long.MAX_VALUE));
        });
        return withUsers.stream().limit(max).toList();
    }

    /** The first signup day on or after {@code day} that has users, or null. */
    Long nextSignupDay(long day) {
        Long[] next = new Long[1];
        Sql.run(em, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT MIN(signed_up_at) FROM users WHERE signed_up_at >= ?")) {
                ps.setObject(1, Sql.at(start(day)));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getObject(1) != null) {
                        next[0] = day(Sql.instant(rs, 1));
                    }
                }
            }
        });
        return next[0];
    }

    /** Removes the kept figures of the days in {@code [fromDay, toDay)} (days left without users). */
    void forget(long fromDay, long toDay) {
        Sql.run(em, c -> {
            for (String table : List.of("kpi_days", "kpi_action_days")) {
                try (PreparedStatement ps =
                        c.prepareStatement("DELETE FROM " + table + " WHERE signup_day >= ? AND signup_day < ?")) {
                    ps.setLong(1, fromDay);
                    ps.setLong(2, toDay);
                    ps.executeUpdate();
                }
            }
        });
    }

    /** Removes figures kept under any other fingerprint (after the current one covers every day). */
    int dropOthers(String fingerprint) {
        int[] n = new int[1];
        Sql.run(em, c -> {
            for (String table : List.of("kpi_days", "kpi_action_days")) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE journey <> ?")) {
                    ps.setString(1, fingerprint);
                    n[0] += ps.executeUpdate();
                }
            }
        });
        return n[0];
    }

    /**
     * Counts {@code days} from the records and replaces their kept figures, in the caller's
     * transaction (which should hold {@link #lock()}): the whole day and each breakdown trait's
     * values, journey and actions.
     */
    void recount(Journey journey, String fingerprint, Collection<Long> days, Instant now) {
        if (days.isEmpty()) {
            return;
        }
        Scope scope = new Scope(ranges(days));
        // a new id for what this recount writes: answers cache a day's parsed rows under it (KeptRows)
        long recountId = RECOUNT_IDS.nextLong();
        List<Object[]> rows = new ArrayList<>();
        // kept figures hold no time-dependent counts: Tally.settled derives them when they are read
        Map<Key, Tally> whole =
                withOpenAfter(journey, scope, new ByDay(), count(journey, scope, new ByDay(), now, false));
        for (long d : new TreeSet<>(days)) {
            // every day gets its users' row, also with no users: that says it was counted
            whole.computeIfAbsent(new Key(d, null), k -> new Tally(journey.size()));
        }
        addRows(journey, fingerprint, recountId, WHOLE_DAY, whole, rows);
        for (String trait : breakdownTraits) {
            ByDayValue byValue = new ByDayValue(trait);
            addRows(
                    journey,
                    fingerprint,
                    recountId,
                    trait,
                    withOpenAfter(journey, scope, byValue, count(journey, scope, byValue, now, false)),
                    rows);
        }
        ActionQueries.Figures byDay = actions.count(journey.names(), scope.ranges(), true);
        Sql.run(em, c -> {
            Object[] dayArray = new TreeSet<>(days).toArray();
            for (String table : List.of("kpi_days", "kpi_action_days")) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE signup_day = ANY(?)")) {
                    ps.setArray(1, c.createArrayOf("BIGINT", dayArray));
                    ps.executeUpdate();
                }
            }
            insert(
                    c,
                    "INSERT INTO kpi_days (journey, signup_day, trait, trait_value, milestone, users, reached, previous_reached, "
                            + "reached_after_previous, reached_within_window, stalled, times, readable_times, open_after, recount_id) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows);
            List<Object[]> actionRows = new ArrayList<>();
            byDay.forEach((day, action, rule, r) -> actionRows.add(new Object[] {
                fingerprint,
                day,
                action,
                rule,
                r.triggered(),
                r.users(),
                r.heldOut(),
                r.suppressed(),
                r.delivered(),
                r.treatedUsers(),
                r.treatedConverted(),
                r.controlUsers(),
                r.controlConverted()
            }));
            insert(
                    c,
                    "INSERT INTO kpi_action_days (journey, signup_day, action, rule_name, triggered, users, held_out, suppressed, "
                            + "delivered, treated_users, treated_converted, control_users, control_converted) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    actionRows);
        });
    }

    /**
     * The figures of a scope's users per group, counted from the records, {@code inProgress} and
     * {@code droppedOff} as of {@code asOf}; only the times to reach when {@code timesOnly}.
     */
    Map<Key, Tally> count(Journey journey, Scope scope, Grouping grouping, Instant asOf, boolean timesOnly) {
        Map<Key, Tally> tallies = new LinkedHashMap<>();
        JourneyQueries.Counted counted = queries.count(journey, scope, grouping, asOf, timesOnly);
        for (JourneyQueries.Group g : counted.groups()) {
            Tally t = tallies.computeIfAbsent(g.key(), k -> new Tally(journey.size()));
            t.cohort += g.cohort();
            for (int i = 0; i < journey.size(); i++) {
                t.steps[i] = t.steps[i].plus(g.steps().get(i));
            }
        }
        for (JourneyQueries.StallCount s : counted.stalls()) {
            tallies.computeIfAbsent(s.key(), k -> new Tally(journey.size())).stalls[s.step()] += s.count();
        }
        for (JourneyQueries.TimeCount t : counted.times()) {
            Tally tally = tallies.computeIfAbsent(t.key(), k -> new Tally(journey.size()));
            tally.readable[t.step()][t.readable()] += t.count();
            tally.times[t.step()].merge(t.log(), t.count(), Long::sum);
        }
        return tallies;
    }

    private Map<Key, Tally> withOpenAfter(Journey journey, Scope scope, Grouping grouping, Map<Key, Tally> tallies) {
        for (JourneyQueries.HourCount h : queries.openAfterHours(journey, scope, grouping)) {
            tallies.computeIfAbsent(h.key(), k -> new Tally(journey.size()))
                    .openAfter[h.step()]
                    .merge(h.hour(), h.count(), Long::sum);
        }
        return tallies;
    }

    private static void addRows(
            Journey journey,
            String fingerprint,
            long recountId,
            String trait,
            Map<Key, Tally> tallies,
            List<Object[]> rows) {
        tallies.forEach((key, t) -> {
            String value = WHOLE_DAY.equals(trait) ? null : key.v();
            rows.add(new Object[] {
                fingerprint, key.g(), trait, value, USERS_ROW, t.cohort, 0L, 0L, 0L, 0L, 0L, null, null, null, recountId
            });
            for (Journey.Step s : journey.steps()) {
                int i = s.index();
                Counts c = t.steps[i];
                rows.add(new Object[] {
                    fingerprint,
                    key.g(),
                    trait,
                    value,
                    s.name(),
                    t.cohort,
                    c.reached(),
                    c.previousReached(),
                    c.reachedAfterPrevious(),
                    c.reachedWithinWindow(),
                    t.stalls[i],
                    TimeBuckets.encode(t.times[i]),
                    writeReadable(t.readable[i]),
                    t.openAfter[i].isEmpty() ? null : TimeBuckets.encode(t.openAfter[i]),
                    recountId
                });
            }
        });
    }

    private static void insert(Connection c, String sql, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static String writeReadable(long[] counts) {
        StringBuilder text = new StringBuilder();
        for (long n : counts) {
            text.append(text.isEmpty() ? "" : ",").append(n);
        }
        return text.toString();
    }
}
