package io.milepost.kpi;

import static io.milepost.store.Sql.at;

import io.milepost.kpi.JourneyQueries.Range;
import io.milepost.outbox.Outbox;
import io.milepost.store.Sql;
import io.milepost.webhook.Delivery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The action KPIs counted by the database from the records (actions, outbox, deliveries,
 * milestones) for the users who signed up in some ranges, per action and the rule that fired it,
 * and per signup day if asked: nothing per user comes back.
 *
 * <p>Converted: after the action first fired for the user, they reached a milestone later in the
 * journey ({@code @order}) than the highest one they had when it fired. Not only the one directly
 * after it: {@code @after} lets the journey branch (value_growth needs value_realization, not
 * continued_value), so a push from value_realization may be answered by either.
 */
@ApplicationScoped
class ActionQueries {
    private final EntityManager em;

    ActionQueries(EntityManager em) {
        this.em = em;
    }

    /** The counts of one action (and rule) in one group of users. */
    record Row(
            long triggered,
            long users,
            long heldOut,
            long suppressed,
            long delivered,
            long treatedUsers,
            long treatedConverted,
            long controlUsers,
            long controlConverted) {
        static final Row ZERO = new Row(0, 0, 0, 0, 0, 0, 0, 0, 0);

        Row plus(Row o) {
            return new Row(
                    triggered + o.triggered,
                    users + o.users,
                    heldOut + o.heldOut,
                    suppressed + o.suppressed,
                    delivered + o.delivered,
                    treatedUsers + o.treatedUsers,
                    treatedConverted + o.treatedConverted,
                    controlUsers + o.controlUsers,
                    controlConverted + o.controlConverted);
        }
    }

    /** Rows by (signup day or 0, action, rule); added up as parts come in. */
    static final class Figures {
        private final Map<Long, Map<String, Map<String, Row>>> rows = new TreeMap<>();

        void add(long day, String action, String rule, Row row) {
            rows.computeIfAbsent(day, d -> new TreeMap<>())
                    .computeIfAbsent(action, a -> new TreeMap<>())
                    .merge(rule == null ? "" : rule, row, Row::plus);
        }

        void forEach(RowVisitor visitor) {
            rows.forEach((day, byAction) -> byAction.forEach((action, byRule) ->
                    byRule.forEach((rule, row) -> visitor.visit(day, action, rule.isEmpty() ? null : rule, row))));
        }
    }

    @FunctionalInterface
    interface RowVisitor {
        void visit(long day, String action, String rule, Row row);
    }

    /** The action figures of the users who signed up in {@code ranges}, per signup day or (day 0) all together. */
    Figures count(List<String> journey, List<Range> ranges, boolean byDay) {
        Figures figures = new Figures();
        if (ranges.isEmpty()) {
            return figures;
        }
        String day = byDay ? "CAST(FLOOR(EXTRACT(EPOCH FROM u.signed_up_at) / 86400) AS BIGINT)" : "CAST(0 AS BIGINT)";
        String users = users(ranges);
        Sql.run(em, c -> {
            String counts = "SELECT " + day + ", a.action, a.rule_name, "
                    + "SUM(CASE WHEN a.suppressed OR a.held_out THEN 0 ELSE 1 END), "
                    + "SUM(CASE WHEN a.occurrence = 1 AND NOT a.suppressed AND NOT a.held_out THEN 1 ELSE 0 END), "
                    + "SUM(CASE WHEN a.occurrence = 1 AND NOT a.suppressed AND a.held_out THEN 1 ELSE 0 END), "
                    + "SUM(CASE WHEN a.suppressed THEN 1 ELSE 0 END) "
                    + "FROM actions a JOIN users u ON u.id = a.user_id WHERE " + users + " GROUP BY " + day
                    + ", a.action, a.rule_name";
            query(
                    c,
                    counts,
                    ranges,
                    List.of(),
                    rs -> figures.add(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getString(3),
                            new Row(rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), 0, 0, 0, 0, 0)));
            // the rule of a delivered message is the action's first firing's: messages carry the action, not the rule
            String delivered = "SELECT " + day + ", o.subject, COUNT(*) FROM outbox o JOIN users u ON u.id = o.user_id "
                    + "WHERE o.type = ? AND " + users
                    + " AND EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = o.id "
                    + "AND d.status = ?) GROUP BY " + day + ", o.subject";
            query(
                    c,
                    delivered,
                    ranges,
                    List.of(Delivery.DELIVERED),
                    rs -> figures.add(
                            rs.getLong(1), rs.getString(2), null, new Row(0, 0, 0, 0, rs.getLong(3), 0, 0, 0, 0)),
                    Outbox.ACTION_TRIGGERED);
            query(
                    c,
                    conversions(day, users, journey.size()),
                    ranges,
                    List.of(),
                    rs -> figures.add(
                            rs.getLong(1),
                            rs.getString(2),
                            null,
                            rs.getBoolean(3)
                                    ? new Row(0, 0, 0, 0, 0, 0, 0, rs.getLong(4), rs.getLong(5))
                                    : new Row(0, 0, 0, 0, 0, rs.getLong(4), rs.getLong(5), 0, 0)),
                    journey.toArray(),
                    journey.toArray());
        });
        return figures;
    }

    /**
     * Per action and group (sent or held out), the users whose first firing was taken and how many of
     * them converted. For each first firing: the highest journey position among the milestones the
     * user had reached by then ({@code level}, -1 for none) and among all they reached ({@code top});
     * they converted when {@code top > level} (a milestone later than {@code level} can only have been
     * reached after the firing).
     */
    private static String conversions(String day, String users, int milestones) {
        StringBuilder position = new StringBuilder(milestones == 0 ? "CAST(NULL AS INTEGER)" : "CASE m.milestone");
        for (int i = 0; i < milestones; i++) {
            position.append(" WHEN ? THEN ").append(i);
        }
        position.append(milestones == 0 ? "" : " END");
        return "SELECT x.sd, x.action, x.held_out, COUNT(*), SUM(CASE WHEN x.top > COALESCE(x.level, -1) THEN 1 ELSE 0 END) "
                + "FROM (SELECT a.id, " + day + " AS sd, a.action, a.held_out, "
                + "MAX(CASE WHEN m.reached_at <= a.triggered_at THEN " + position + " END) AS level, "
                + "MAX(" + position + ") AS top "
                + "FROM actions a JOIN users u ON u.id = a.user_id LEFT JOIN milestones m ON m.user_id = a.user_id "
                + "WHERE a.occurrence = 1 AND a.suppressed = FALSE AND " + users + " "
                + "GROUP BY a.id, u.signed_up_at, a.action, a.held_out) x "
                + "GROUP BY x.sd, x.action, x.held_out";
    }

    /** The signup ranges as SQL over {@code u}, with a pair of parameters per range. */
    private static String users(List<Range> ranges) {
        StringBuilder sql = new StringBuilder("(");
        for (int i = 0; i < ranges.size(); i++) {
            sql.append(i == 0 ? "" : " OR ").append("(u.signed_up_at >= ? AND u.signed_up_at < ?)");
        }
        return sql.append(")").toString();
    }

    /**
     * Runs {@code sql}: parameters are {@code before} (each value, arrays spread), then the ranges,
     * then {@code after}.
     */
    private static void query(
            Connection c, String sql, List<Range> ranges, List<Object> after, RowReader reader, Object... before)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int p = 1;
            for (Object b : before) {
                if (b instanceof Object[] values) {
                    for (Object v : values) {
                        ps.setObject(p++, v);
                    }
                } else {
                    ps.setObject(p++, b);
                }
            }
            for (Range r : ranges) {
                ps.setObject(p++, at(r.from()));
                ps.setObject(p++, at(r.to()));
            }
            for (Object a : after) {
                ps.setObject(p++, a);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    reader.read(rs);
                }
            }
        }
    }

    @FunctionalInterface
    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }
}
