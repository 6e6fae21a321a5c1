package io.milepost.kpi;

import io.milepost.store.Sql;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The journey KPIs counted by the database from the records (users, milestones, stalls), exactly:
 * the database groups and counts, and hands back one row per group (a trait value, a signup day)
 * or per group, milestone and time bucket, never a row per user. Each statement first turns the
 * cohort's milestones into one row per user (a column per milestone with its time in epoch seconds)
 * and then counts the figures over those rows.
 */
@ApplicationScoped
class JourneyQueries {
    private final EntityManager em;
    private final TraitSql traitSql;

    JourneyQueries(EntityManager em, TraitSql traitSql) {
        this.em = em;
        this.traitSql = traitSql;
    }

    /** How the cohort is split: not at all (key 0), by signup day (epoch day), or by a trait's values. */
    sealed interface Grouping permits None, ByDay, ByTrait {
    }

    record None() implements Grouping {
    }

    record ByDay() implements Grouping {
    }

    /** Keys: the index in {@code values}, {@link #OTHER} for any other value, {@link #MISSING} without the trait. */
    record ByTrait(String trait, List<String> values) implements Grouping {
        static final long MISSING = -1;
        static final long OTHER = -2;
    }

    /** One milestone's counts in one group; see {@link FunnelView.Step} for what each means. */
    record Counts(long reached, long previousReached, long reachedAfterPrevious, long reachedWithinWindow,
                  long inProgress, long droppedOff) {
    }

    /** One group: its key, its size and its counts per milestone (in the journey's order). */
    record Group(long key, long cohort, List<Counts> steps) {
    }

    /** A stall count of one group and milestone. */
    record StallCount(long key, int step, long count) {
    }

    /** How many of a group reached a milestone in a time bucket ({@link TimeBuckets#HUMAN}). */
    record TimeCount(long key, int step, int bucket, long count) {
    }

    /** Exact nearest-rank percentiles of the times of a group and milestone. */
    record TimePercentiles(long key, int step, Duration p25, Duration p50, Duration p75, Duration p90, Duration p99) {
    }

    /** A trait value and how many of the cohort have it. */
    record ValueCount(String value, long count) {
    }

    List<Group> figures(Journey journey, Instant from, Instant to, Grouping grouping, Instant asOf) {
        Statement st = new Statement();
        st.sql.append(pivot(journey, from, to, grouping, st)).append(" SELECT g, COUNT(*)");
        String now = seconds(asOf);
        for (Journey.Step s : journey.steps()) {
            String reached = col(s.index()) + " IS NOT NULL";
            String notReached = col(s.index()) + " IS NULL";
            String previous = s.previous() == null ? "1 = 1" : col(s.previous()) + " IS NOT NULL";
            String opens = s.after() == null ? "s" : col(s.after());
            String within = s.within() == null ? null : Long.toString(s.within().toSeconds());
            st.sql.append(", ").append(count(reached))
                    .append(", ").append(count(previous))
                    .append(", ").append(count(reached + " AND " + previous))
                    .append(", ").append(count(within == null ? reached
                            : reached + " AND " + opens + " IS NOT NULL AND " + col(s.index()) + " - " + opens + " <= " + within))
                    // without a window a user who reached the previous milestone stays on the way (nothing closes)
                    .append(", ").append(count(within == null ? notReached + " AND " + previous
                            : notReached + " AND " + opens + " IS NOT NULL AND " + opens + " + " + within + " > " + now))
                    .append(", ").append(within == null ? "0" : count(notReached + " AND " + previous + " AND "
                            + opens + " IS NOT NULL AND " + opens + " + " + within + " <= " + now));
        }
        st.sql.append(" FROM p GROUP BY g");
        List<Group> groups = new ArrayList<>();
        st.query(rs -> {
            List<Counts> steps = new ArrayList<>();
            for (int i = 0; i < journey.steps().size(); i++) {
                int c = 3 + 6 * i;
                steps.add(new Counts(rs.getLong(c), rs.getLong(c + 1), rs.getLong(c + 2), rs.getLong(c + 3),
                        rs.getLong(c + 4), rs.getLong(c + 5)));
            }
            groups.add(new Group(rs.getLong(1), rs.getLong(2), steps));
        });
        return groups;
    }

    List<StallCount> stalls(Journey journey, Instant from, Instant to, Grouping grouping) {
        Statement st = new Statement();
        st.sql.append("WITH ").append(cohort(from, to, grouping, st)).append(" SELECT c.g, x.milestone, COUNT(*) FROM c JOIN stalls x ON x.user_id = c.id WHERE x.milestone IN (")
                .append(names(journey, st)).append(") GROUP BY c.g, x.milestone");
        List<StallCount> counts = new ArrayList<>();
        st.query(rs -> counts.add(new StallCount(rs.getLong(1), journey.step(rs.getString(2)).orElseThrow().index(),
                rs.getLong(3))));
        return counts;
    }

    /** Times to reach of the given milestones per histogram bucket. */
    List<TimeCount> histogram(Journey journey, Instant from, Instant to, Grouping grouping, Set<Integer> steps) {
        Statement st = new Statement();
        st.sql.append(times(journey, from, to, grouping, steps, st)).append(", b AS (SELECT g, k, ")
                .append(TimeBuckets.humanSql("d")).append(" AS h FROM x) SELECT g, k, h, COUNT(*) FROM b GROUP BY g, k, h");
        List<TimeCount> counts = new ArrayList<>();
        st.query(rs -> counts.add(new TimeCount(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getLong(4))));
        return counts;
    }

    /**
     * Exact nearest-rank percentiles of the times to reach (the p-th percentile of n times is the
     * ceil(p * n / 100)-th smallest), picked by the database from the ranked times: only those rows
     * come back. (PERCENTILE_DISC is not used: H2 ranks differently from PostgreSQL.)
     */
    List<TimePercentiles> percentiles(Journey journey, Instant from, Instant to, Grouping grouping, Set<Integer> steps) {
        Statement st = new Statement();
        st.sql.append(times(journey, from, to, grouping, steps, st))
                .append(" SELECT g, k, rn, n, d FROM (SELECT g, k, d, ROW_NUMBER() OVER (PARTITION BY g, k ORDER BY d) AS rn, ")
                .append("COUNT(*) OVER (PARTITION BY g, k) AS n FROM x) r WHERE rn IN (");
        for (int i = 0; i < PERCENTS.length; i++) {
            st.sql.append(i == 0 ? "" : ", ").append(rank("n", PERCENTS[i]));
        }
        st.sql.append(")");
        Map<List<Long>, Duration[]> picked = new LinkedHashMap<>();
        st.query(rs -> {
            Duration[] values = picked.computeIfAbsent(List.of(rs.getLong(1), rs.getLong(2)), k -> new Duration[PERCENTS.length]);
            long rn = rs.getLong(3);
            long n = rs.getLong(4);
            for (int i = 0; i < PERCENTS.length; i++) {
                if (rn == Math.max(1, (PERCENTS[i] * n + 99) / 100)) {
                    values[i] = duration(rs.getBigDecimal(5));
                }
            }
        });
        List<TimePercentiles> result = new ArrayList<>();
        picked.forEach((key, v) -> result.add(new TimePercentiles(key.get(0), key.get(1).intValue(), v[0], v[1], v[2], v[3], v[4])));
        return result;
    }

    private static final int[] PERCENTS = {25, 50, 75, 90, 99};

    /** ceil(percent * n / 100) in whole numbers, as SQL. */
    private static String rank(String n, int percent) {
        return "(" + percent + " * " + n + " + 99) / 100";
    }

    /**
     * {@code WITH c, p, x AS (g, k, d)}: the times to reach (seconds) of the given milestones, from
     * signup or their {@code @after} milestone (a user who reached the milestone without that one has
     * no time); a time below zero (the {@code @after} milestone recorded later) counts as zero.
     */
    private String times(Journey journey, Instant from, Instant to, Grouping grouping, Set<Integer> steps, Statement st) {
        StringBuilder sql = new StringBuilder(pivot(journey, from, to, grouping, st)).append(", x AS (");
        String union = "";
        for (Journey.Step s : journey.steps()) {
            if (!steps.contains(s.index())) {
                continue;
            }
            String opens = s.after() == null ? "s" : col(s.after());
            String d = col(s.index()) + " - " + opens;
            sql.append(union).append("SELECT g, ").append(s.index()).append(" AS k, CASE WHEN ").append(d)
                    .append(" < 0 THEN 0 ELSE ").append(d).append(" END AS d FROM p WHERE ").append(col(s.index()))
                    .append(" IS NOT NULL AND ").append(opens).append(" IS NOT NULL");
            union = " UNION ALL ";
        }
        if (union.isEmpty()) {
            sql.append("SELECT g, -1 AS k, s AS d FROM p WHERE 1 = 0");
        }
        return sql.append(")").toString();
    }

    private static Duration duration(BigDecimal seconds) {
        if (seconds == null) {
            return null;
        }
        BigDecimal micros = seconds.movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP);
        return Duration.ofNanos(micros.longValueExact() * 1000);
    }

    /** The {@code limit} most common values of a trait in the cohort (most users first, then by value). */
    List<ValueCount> topValues(String trait, Instant from, Instant to, int limit) {
        Statement st = new Statement();
        st.sql.append("SELECT v, COUNT(*) AS n FROM (SELECT ").append(traitSql.text("u.traits"))
                .append(" AS v FROM users u WHERE u.signed_up_at >= ? AND u.signed_up_at < ?) t WHERE v IS NOT NULL ")
                .append("GROUP BY v ORDER BY n DESC, v FETCH FIRST ").append(limit).append(" ROWS ONLY");
        st.params.add(trait);
        st.params.add(Sql.at(from));
        st.params.add(Sql.at(to));
        List<ValueCount> values = new ArrayList<>();
        st.query(rs -> values.add(new ValueCount(rs.getString(1), rs.getLong(2))));
        return values;
    }

    /** {@code WITH c AS (the cohort: id, g, s), p AS (one row per user: g, s, m0..mN)} */
    private String pivot(Journey journey, Instant from, Instant to, Grouping grouping, Statement st) {
        StringBuilder sql = new StringBuilder("WITH ").append(cohort(from, to, grouping, st)).append(", p AS (SELECT c.g, c.s");
        for (Journey.Step s : journey.steps()) {
            sql.append(", MAX(CASE WHEN m.milestone = ? THEN ").append(epoch("m.reached_at")).append(" END) AS ").append(col(s.index()));
            st.params.add(s.name());
        }
        sql.append(" FROM c LEFT JOIN milestones m ON m.user_id = c.id AND m.milestone IN (").append(names(journey, st))
                .append(") GROUP BY c.id, c.g, c.s)");
        return sql.toString();
    }

    /** {@code c AS (SELECT id, g, s FROM the cohort's users)}, s the signup in epoch seconds. */
    private String cohort(Instant from, Instant to, Grouping grouping, Statement st) {
        String users = "FROM users u WHERE u.signed_up_at >= ? AND u.signed_up_at < ?";
        String sql;
        if (grouping instanceof ByTrait t) {
            StringBuilder g = new StringBuilder("CASE WHEN v IS NULL THEN ").append(ByTrait.MISSING);
            for (int i = 0; i < t.values().size(); i++) {
                g.append(" WHEN v = ? THEN ").append(i);
            }
            g.append(" ELSE ").append(ByTrait.OTHER).append(" END");
            st.params.addAll(t.values());
            st.params.add(t.trait());
            sql = "c AS (SELECT id, " + g + " AS g, s FROM (SELECT u.id, " + traitSql.text("u.traits") + " AS v, "
                    + epoch("u.signed_up_at") + " AS s " + users + ") t)";
        } else {
            String g = grouping instanceof ByDay ? "CAST(FLOOR(" + epoch("u.signed_up_at") + " / 86400) AS BIGINT)" : "0";
            sql = "c AS (SELECT u.id, " + g + " AS g, " + epoch("u.signed_up_at") + " AS s " + users + ")";
        }
        st.params.add(Sql.at(from));
        st.params.add(Sql.at(to));
        return sql;
    }

    private static String names(Journey journey, Statement st) {
        StringBuilder sql = new StringBuilder();
        for (Journey.Step s : journey.steps()) {
            sql.append(sql.isEmpty() ? "?" : ", ?");
            st.params.add(s.name());
        }
        return sql.toString();
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
        return BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)).toPlainString();
    }

    /** SQL text and its parameters, in order of appearance. */
    private final class Statement {
        final StringBuilder sql = new StringBuilder();
        final List<Object> params = new ArrayList<>();

        void query(RowReader reader) {
            Sql.run(em, c -> run(c, reader));
        }

        private void run(Connection c, RowReader reader) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
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
