package io.milepost.kpi;

import io.milepost.store.Sql;
import io.milepost.store.TraitSql;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The journey KPIs counted by the database from the records (users, milestones, stalls), exactly:
 * the database groups and counts, and hands back one row per group (a signup day, a trait value)
 * or per group, milestone and time bucket, never a row per user. Each statement first turns the
 * scope's milestones into one row per user (a column per milestone with its time in epoch seconds)
 * and then counts the figures over those rows.
 *
 * <p>Answers read most days from the figures kept per signup day ({@link KpiDays}); these queries
 * count the rest (days changed since, the edges of the range, windows still open) and the days the
 * fold recounts.
 */
@ApplicationScoped
class JourneyQueries {
    /** Scopes up to this long are pivoted user by user on PostgreSQL ({@link #pivot}): the edges of a range, a marked day or two. */
    static final Duration PER_USER_MAX = Duration.ofDays(3);

    /** Numbers the statements run on H2, so that none is a text H2 has parsed before. */
    private static final AtomicLong STATEMENTS = new AtomicLong();

    private final EntityManager em;
    private final TraitSql traitSql;
    private final boolean postgres;

    JourneyQueries(
            EntityManager em, TraitSql traitSql, @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
        this.em = em;
        this.traitSql = traitSql;
        this.postgres = dbKind.toLowerCase().startsWith("postgres");
    }

    /** Signups in {@code [from, to)}. */
    record Range(Instant from, Instant to) {}

    /** Which users are counted: those who signed up in one of the ranges. */
    record Scope(List<Range> ranges) {
        static Scope of(Instant from, Instant to) {
            return new Scope(List.of(new Range(from, to)));
        }

        boolean isEmpty() {
            return ranges.isEmpty();
        }
    }

    /** How the users are split; each group has a number {@code g} and a text {@code v} ({@link Key}). */
    sealed interface Grouping permits None, ByDay, ByTrait, ByValue, ByDayValue {}

    /** Not at all: one group (0, null). */
    record None() implements Grouping {}

    /** By signup day: (epoch day, null). */
    record ByDay() implements Grouping {}

    /** By a trait's given values: (index in {@code values}, null), {@link #OTHER} for any other, {@link #MISSING} without it. */
    record ByTrait(String trait, List<String> values) implements Grouping {
        static final long MISSING = -1;
        static final long OTHER = -2;
    }

    /** By a trait's value as it is: (0, value), value null without it. */
    record ByValue(String trait) implements Grouping {}

    /** By signup day and a trait's value: (epoch day, value). */
    record ByDayValue(String trait) implements Grouping {}

    /** A group's key. */
    record Key(long g, String v) {}

    /** One milestone's counts in one group; see {@link FunnelView.Step} for what each means. */
    record Counts(
            long reached,
            long previousReached,
            long reachedAfterPrevious,
            long reachedWithinWindow,
            long inProgress,
            long droppedOff) {
        static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0);

        Counts plus(Counts o) {
            return new Counts(
                    reached + o.reached,
                    previousReached + o.previousReached,
                    reachedAfterPrevious + o.reachedAfterPrevious,
                    reachedWithinWindow + o.reachedWithinWindow,
                    inProgress + o.inProgress,
                    droppedOff + o.droppedOff);
        }

        Counts minus(Counts o) {
            return new Counts(
                    reached - o.reached,
                    previousReached - o.previousReached,
                    reachedAfterPrevious - o.reachedAfterPrevious,
                    reachedWithinWindow - o.reachedWithinWindow,
                    inProgress - o.inProgress,
                    droppedOff - o.droppedOff);
        }
    }

    /** One group: its key, its size and its counts per milestone (in the journey's order). */
    record Group(Key key, long cohort, List<Counts> steps) {}

    /** A stall count of one group and milestone. */
    record StallCount(Key key, int step, long count) {}

    /** How many of a group reached a milestone in a readable bucket ({@link TimeBuckets#HUMAN}) and a log-scale one. */
    record TimeCount(Key key, int step, int readable, int log, long count) {}

    /** A trait value and how many of the users have it. */
    record ValueCount(String value, long count) {}

    /** What {@link #count} found: per group its figures, its stalls per milestone and its times to reach per bucket. */
    record Counted(List<Group> groups, List<StallCount> stalls, List<TimeCount> times) {}

    /**
     * The figures of a scope's users per group, counted from the records in one statement that reads
     * each user's milestones once ({@code p}) and answers three kinds of rows: per group its size and
     * counts, per group, milestone and time bucket how many reached it, per group and milestone the
     * stalls. {@code inProgress} and {@code droppedOff} as of {@code asOf}; only the times to reach when
     * {@code timesOnly}.
     */
    Counted count(Journey journey, Scope scope, Grouping grouping, Instant asOf, boolean timesOnly) {
        Counted counted = new Counted(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        if (scope.isEmpty()) {
            return counted;
        }
        int n = journey.size();
        StringBuilder zeros = new StringBuilder();
        for (int i = 0; i < 6 * n; i++) {
            zeros.append(", 0");
        }
        Statement st = new Statement();
        pivot(journey, scope, grouping, st);
        times(journey, st);
        st.sql
                .append(" SELECT 1 AS r, g, v, k, h, l, COUNT(*) AS n")
                .append(zeros)
                .append(" FROM (SELECT g, v, k, ")
                .append(TimeBuckets.humanSql("d"))
                .append(" AS h, ")
                .append(TimeBuckets.logSql("d"))
                .append(" AS l FROM x) b GROUP BY g, v, k, h, l");
        if (!timesOnly) {
            st.sql.append(" UNION ALL SELECT 0, g, v, -1, -1, -1, COUNT(*)");
            figureColumns(journey, asOf, st);
            st.sql.append(" FROM p GROUP BY g, v");
            if (n > 0) {
                st.sql.append(" UNION ALL SELECT 2, c.g, c.v, CASE z.milestone");
                for (Journey.Step s : journey.steps()) {
                    st.sql.append(" WHEN ? THEN ").append(s.index());
                    st.params.add(s.name());
                }
                st.sql
                        .append(" END, -1, -1, COUNT(*)")
                        .append(zeros)
                        .append(" FROM c JOIN stalls z ON z.user_id = c.id WHERE z.milestone IN (");
                names(journey, st);
                st.sql.append(") GROUP BY c.g, c.v, z.milestone");
            }
        }
        st.query(rs -> {
            Key key = new Key(rs.getLong(2), rs.getString(3));
            switch (rs.getInt(1)) {
                case 0 -> {
                    List<Counts> steps = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int c = 8 + 6 * i;
                        steps.add(new Counts(
                                rs.getLong(c),
                                rs.getLong(c + 1),
                                rs.getLong(c + 2),
                                rs.getLong(c + 3),
                                rs.getLong(c + 4),
                                rs.getLong(c + 5)));
                    }
                    counted.groups().add(new Group(key, rs.getLong(7), steps));
                }
                case 1 ->
                    counted.times().add(new TimeCount(key, rs.getInt(4), rs.getInt(5), rs.getInt(6), rs.getLong(7)));
                default -> counted.stalls().add(new StallCount(key, rs.getInt(4), rs.getLong(7)));
            }
        });
        return counted;
    }

    /** Per milestone the six counts of {@link Counts} over {@code p}, as select columns (each after a comma). */
    private static void figureColumns(Journey journey, Instant asOf, Statement st) {
        String now = seconds(asOf);
        for (Journey.Step s : journey.steps()) {
            String reached = col(s.index()) + " IS NOT NULL";
            String notReached = col(s.index()) + " IS NULL";
            String previous = s.previous() == null ? "1 = 1" : col(s.previous()) + " IS NOT NULL";
            String opens = s.after() == null ? "s" : col(s.after());
            String within = s.within() == null ? null : Long.toString(s.within().toSeconds());
            st.sql
                    .append(", ")
                    .append(count(reached))
                    .append(", ")
                    .append(count(previous))
                    .append(", ")
                    .append(count(reached + " AND " + previous))
                    .append(", ")
                    .append(count(
                            within == null
                                    ? reached
                                    : reached + " AND " + opens + " IS NOT NULL AND " + col(s.index()) + " - " + opens
                                            + " <= " + within))
                    // without a window a user who reached the previous milestone stays on the way (nothing closes)
                    .append(", ")
                    .append(count(
                            within == null
                                    ? notReached + " AND " + previous
                                    : notReached + " AND " + opens + " IS NOT NULL AND " + opens + " + " + within
                                            + " > " + now))
                    .append(", ")
                    .append(
                            within == null
                                    ? "0"
                                    : count(notReached + " AND " + previous + " AND " + opens + " IS NOT NULL AND "
                                            + opens + " + " + within + " <= " + now));
        }
    }

    /**
     * {@code , x AS (g, v, k, d)} after {@link #pivot}: the times to reach (seconds) of every milestone,
     * from signup or its {@code @after} milestone (a user who reached the milestone without that one
     * has no time); a time below zero (the {@code @after} milestone recorded later) counts as zero.
     */
    private static void times(Journey journey, Statement st) {
        st.sql.append(", x AS (");
        String union = "";
        for (Journey.Step s : journey.steps()) {
            String opens = s.after() == null ? "s" : col(s.after());
            String d = col(s.index()) + " - " + opens;
            st.sql
                    .append(union)
                    .append("SELECT g, v, ")
                    .append(s.index())
                    .append(" AS k, CASE WHEN ")
                    .append(d)
                    .append(" < 0 THEN 0 ELSE ")
                    .append(d)
                    .append(" END AS d FROM p WHERE ")
                    .append(col(s.index()))
                    .append(" IS NOT NULL AND ")
                    .append(opens)
                    .append(" IS NOT NULL");
            union = " UNION ALL ";
        }
        if (union.isEmpty()) {
            st.sql.append("SELECT g, v, -1 AS k, s AS d FROM p WHERE 1 = 0");
        }
        st.sql.append(")");
    }

    /** How many of a group reached a milestone's {@code @after} milestone in an hour (epoch hours), and not it. */
    record HourCount(Key key, int step, int hour, long count) {}

    /** For each milestone with a window from its {@code @after} milestone: who reached that one and not this, by hour. */
    List<HourCount> openAfterHours(Journey journey, Scope scope, Grouping grouping) {
        List<HourCount> counts = new ArrayList<>();
        List<Journey.Step> steps = journey.steps().stream()
                .filter(s -> s.after() != null && s.within() != null)
                .toList();
        if (scope.isEmpty() || steps.isEmpty()) {
            return counts;
        }
        Statement st = new Statement();
        pivot(journey, scope, grouping, st);
        st.sql.append(", h AS (");
        for (int i = 0; i < steps.size(); i++) {
            Journey.Step s = steps.get(i);
            st.sql
                    .append(i == 0 ? "" : " UNION ALL ")
                    .append("SELECT g, v, ")
                    .append(s.index())
                    .append(" AS k, CAST(FLOOR(")
                    .append(col(s.after()))
                    .append(" / 3600) AS INTEGER) AS hr FROM p WHERE ")
                    .append(col(s.after()))
                    .append(" IS NOT NULL AND ")
                    .append(col(s.index()))
                    .append(" IS NULL");
        }
        st.sql.append(") SELECT g, v, k, hr, COUNT(*) FROM h GROUP BY g, v, k, hr");
        st.query(rs -> counts.add(new HourCount(key(rs), rs.getInt(3), rs.getInt(4), rs.getLong(5))));
        return counts;
    }

    /** Users of one group whose window for a milestone is open now and who have not reached it. */
    record OpenCount(Key key, int step, long open, long openAfterPrevious) {}

    /**
     * For the users who signed up in {@code ranges}, per group and milestone with a window: how many
     * have it open now without having reached it ({@code open}), and how many of those reached the
     * milestone before it ({@code openAfterPrevious}); only where the kept figures cannot tell: windows
     * from signup for the signups of the day {@code asOf - window} falls in (the days after it are all
     * open, those before all closed), windows from an {@code @after} milestone for the users who
     * reached it in the hour {@code asOf - window} falls in (the kept figures count by hour).
     * Anti-joins over the milestone indexes, no row per user of the ranges.
     */
    List<OpenCount> openWindows(Journey journey, List<Range> ranges, Grouping grouping, Instant asOf) {
        List<OpenCount> counts = new ArrayList<>();
        if (ranges.isEmpty()) {
            return counts;
        }
        Statement st = new Statement();
        st.sql.append("SELECT g, v, k, SUM(a), SUM(b) FROM (");
        String union = "";
        for (Journey.Step s : journey.steps()) {
            if (s.within() == null) {
                continue;
            }
            Instant opened = asOf.minus(s.within());
            st.sql.append(union).append("SELECT ");
            groupColumns(grouping, st);
            st.sql.append(", ").append(s.index()).append(" AS k, 1 AS a, ");
            if (s.after() == null) {
                if (s.previous() == null) {
                    st.sql.append("1");
                } else {
                    st.sql.append(
                            "CASE WHEN EXISTS (SELECT 1 FROM milestones x WHERE x.user_id = u.id AND x.milestone = ?) "
                                    + "THEN 1 ELSE 0 END");
                    st.params.add(journey.steps().get(s.previous()).name());
                }
                st.sql.append(" AS b FROM users u WHERE u.signed_up_at > ? AND u.signed_up_at < ?");
                st.params.add(Sql.at(opened));
                st.params.add(
                        Sql.at(Instant.ofEpochSecond((Math.floorDiv(opened.getEpochSecond(), 86_400L) + 1) * 86_400L)));
            } else {
                // the previous milestone is the @after one: every user counted here has reached it
                st.sql.append(
                        "1 AS b FROM milestones r JOIN users u ON u.id = r.user_id WHERE r.milestone = ? AND r.reached_at > ? "
                                + "AND r.reached_at < ?");
                st.params.add(s.milestone().after());
                st.params.add(Sql.at(opened));
                st.params.add(
                        Sql.at(Instant.ofEpochSecond((Math.floorDiv(opened.getEpochSecond(), 3600L) + 1) * 3600L)));
            }
            st.sql.append(" AND (");
            for (int i = 0; i < ranges.size(); i++) {
                st.sql.append(i == 0 ? "" : " OR ").append("(u.signed_up_at >= ? AND u.signed_up_at < ?)");
                st.params.add(Sql.at(ranges.get(i).from()));
                st.params.add(Sql.at(ranges.get(i).to()));
            }
            st.sql.append(") AND NOT EXISTS (SELECT 1 FROM milestones m WHERE m.user_id = u.id AND m.milestone = ?)");
            st.params.add(s.name());
            union = " UNION ALL ";
        }
        if (union.isEmpty()) {
            return counts;
        }
        st.sql.append(") t GROUP BY g, v, k");
        st.query(rs -> counts.add(new OpenCount(key(rs), rs.getInt(3), rs.getLong(4), rs.getLong(5))));
        return counts;
    }

    /** {@code g, v} of a user {@code u} for a grouping without fixed values (none, by day, by a trait's value). */
    private void groupColumns(Grouping grouping, Statement st) {
        boolean byDay = grouping instanceof ByDay || grouping instanceof ByDayValue;
        st.sql
                .append(byDay ? "CAST(FLOOR(" + epoch("u.signed_up_at") + " / 86400) AS BIGINT)" : "CAST(0 AS BIGINT)")
                .append(" AS g, ");
        String trait = grouping instanceof ByValue t ? t.trait() : grouping instanceof ByDayValue t ? t.trait() : null;
        if (grouping instanceof ByTrait) {
            throw new IllegalArgumentException("open windows are counted by day or trait value, not by listed values");
        }
        if (trait == null) {
            st.sql.append("CAST(NULL AS VARCHAR)");
        } else {
            st.sql.append(traitSql.text("u.traits"));
            st.params.add(trait);
        }
        st.sql.append(" AS v");
    }

    /** The {@code limit} most common values of a trait among the users who signed up in the range (most first, then by value). */
    List<ValueCount> topValues(String trait, Range range, int limit) {
        Statement st = new Statement();
        st.sql
                .append("SELECT v, COUNT(*) AS n FROM (SELECT ")
                .append(traitSql.text("u.traits"))
                .append(" AS v FROM users u WHERE u.signed_up_at >= ? AND u.signed_up_at < ?) t WHERE v IS NOT NULL ")
                .append("GROUP BY v ORDER BY n DESC, v FETCH FIRST ")
                .append(limit)
                .append(" ROWS ONLY");
        st.params.add(trait);
        st.params.add(Sql.at(range.from()));
        st.params.add(Sql.at(range.to()));
        List<ValueCount> values = new ArrayList<>();
        st.query(rs -> values.add(new ValueCount(rs.getString(1), rs.getLong(2))));
        return values;
    }

    /**
     * {@code WITH c AS (the users: id, g, v, s), p AS (one row per user: g, v, s, m0..mN)}. On
     * PostgreSQL a scope of a few days looks up each user's milestones by the {@code (user_id,
     * milestone)} key (a lateral subquery): its planner, which prices index probes as disk reads,
     * would otherwise hash-join them with every milestone on record, hundreds of milliseconds at a
     * million users for a few thousand users. Longer scopes (a recount, days not counted yet) join.
     */
    private void pivot(Journey journey, Scope scope, Grouping grouping, Statement st) {
        st.sql.append("WITH ");
        cohort(scope, grouping, st);
        boolean perUser = postgres && !journey.steps().isEmpty() && span(scope) <= PER_USER_MAX.toSeconds();
        st.sql.append(", p AS (SELECT c.g, c.v, c.s");
        if (perUser) {
            for (Journey.Step s : journey.steps()) {
                st.sql.append(", l.").append(col(s.index()));
            }
            st.sql.append(" FROM c CROSS JOIN LATERAL (SELECT ");
        }
        for (Journey.Step s : journey.steps()) {
            st.sql
                    .append(perUser && s.index() == 0 ? "" : ", ")
                    .append("MAX(CASE WHEN m.milestone = ? THEN ")
                    .append(epoch("m.reached_at"))
                    .append(" END) AS ")
                    .append(col(s.index()));
            st.params.add(s.name());
        }
        st.sql.append(
                perUser
                        ? " FROM milestones m WHERE m.user_id = c.id"
                        : " FROM c LEFT JOIN milestones m ON m.user_id = c.id");
        if (!journey.steps().isEmpty()) {
            st.sql.append(" AND m.milestone IN (");
            names(journey, st);
            st.sql.append(")");
        }
        st.sql.append(perUser ? ") l)" : " GROUP BY c.id, c.g, c.v, c.s)");
    }

    /** The seconds of signups a scope covers. */
    private static long span(Scope scope) {
        long total = 0;
        for (Range r : scope.ranges()) {
            total += Duration.between(r.from(), r.to()).toSeconds();
        }
        return total;
    }

    /**
     * {@code c AS (SELECT id, g, v, s FROM the scope's users)}, s the signup in epoch seconds. The
     * inner select reads the trait ({@code x}) and the signup day ({@code d}) once per user.
     */
    private void cohort(Scope scope, Grouping grouping, Statement st) {
        String day = "CAST(FLOOR(" + epoch("u.signed_up_at") + " / 86400) AS BIGINT)";
        String trait = grouping instanceof ByTrait t
                ? t.trait()
                : grouping instanceof ByValue t ? t.trait() : grouping instanceof ByDayValue t ? t.trait() : null;
        st.sql.append("c AS (SELECT id, ");
        if (grouping instanceof ByTrait t) {
            st.sql.append("CASE WHEN x IS NULL THEN ").append(ByTrait.MISSING);
            for (int i = 0; i < t.values().size(); i++) {
                st.sql.append(" WHEN x = ? THEN ").append(i);
                st.params.add(t.values().get(i));
            }
            st.sql.append(" ELSE ").append(ByTrait.OTHER).append(" END AS g, CAST(NULL AS VARCHAR) AS v");
        } else {
            boolean byDay = grouping instanceof ByDay || grouping instanceof ByDayValue;
            boolean byValue = grouping instanceof ByValue || grouping instanceof ByDayValue;
            st.sql
                    .append(byDay ? "d" : "CAST(0 AS BIGINT)")
                    .append(" AS g, ")
                    .append(byValue ? "x" : "CAST(NULL AS VARCHAR)")
                    .append(" AS v");
        }
        st.sql.append(", s FROM (SELECT u.id, ").append(day).append(" AS d, ");
        if (trait == null) {
            st.sql.append("CAST(NULL AS VARCHAR) AS x");
        } else {
            st.sql.append(traitSql.text("u.traits")).append(" AS x");
            st.params.add(trait);
        }
        st.sql.append(", ").append(epoch("u.signed_up_at")).append(" AS s FROM users u WHERE (");
        for (int i = 0; i < scope.ranges().size(); i++) {
            st.sql.append(i == 0 ? "" : " OR ").append("(u.signed_up_at >= ? AND u.signed_up_at < ?)");
            st.params.add(Sql.at(scope.ranges().get(i).from()));
            st.params.add(Sql.at(scope.ranges().get(i).to()));
        }
        st.sql.append(")");
        st.sql.append(") t)");
    }

    private static void names(Journey journey, Statement st) {
        for (Journey.Step s : journey.steps()) {
            st.sql.append(s.index() == 0 ? "?" : ", ?");
            st.params.add(s.name());
        }
    }

    private static Key key(ResultSet rs) throws SQLException {
        return new Key(rs.getLong(1), rs.getString(2));
    }

    private static String count(String condition) {
        return "SUM(CASE WHEN " + condition + " THEN 1 ELSE 0 END)";
    }

    private static String col(int step) {
        return "m" + step;
    }

    private static String epoch(String column) {
        return "EXTRACT(EPOCH FROM " + column + ")";
    }

    /** An instant as an SQL number of epoch seconds (to the microsecond, as times are stored). */
    private static String seconds(Instant t) {
        return BigDecimal.valueOf(t.getEpochSecond())
                .add(BigDecimal.valueOf(t.getNano(), 9))
                .toPlainString();
    }

    /** SQL text and its parameters, in order of appearance. */
    private final class Statement {
        final StringBuilder sql = new StringBuilder();
        final List<Object> params = new ArrayList<>();

        void query(RowReader reader) {
            Sql.run(em, c -> run(c, reader));
        }

        private void run(Connection c, RowReader reader) throws SQLException {
            // H2 keeps each connection's parsed statements by their text, and a kept statement with a
            // WITH clause can answer with the rows of the parameters it was first run with
            // (h2database/h2database#4228): on H2 no two statements here have the same text
            String text = postgres ? sql.toString() : sql + " /* " + STATEMENTS.incrementAndGet() + " */";
            try (PreparedStatement ps = c.prepareStatement(text)) {
                for (int i = 0; i < params.size(); i++) {
                    ps.setObject(i + 1, params.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        reader.read(rs);
                    }
                }
            }
        }
    }

    @FunctionalInterface
    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }
}
