package io.milepost.kpi;

import static io.milepost.store.Sql.at;

import io.milepost.action.Outbox;
import io.milepost.common.ApiException;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.engine.RuleBook;
import io.milepost.engine.RuleInfo;
import io.milepost.engine.RuleSet;
import io.milepost.store.Sql;
import io.milepost.webhook.Delivery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The action KPI: per action, what it did (sent, delivered, held out, suppressed) and whether the
 * users who got it then moved further in the journey more often than its {@code @holdout} control
 * group. Every figure is aggregated by the database; nothing per user comes back.
 *
 * <p>Converted: after the action first fired for the user, they reached a milestone later in the
 * journey ({@code @order}) than the highest one they had when it fired. Not only the one directly
 * after it: {@code @after} lets the journey branch (value_growth needs value_realization, not
 * continued_value), so a push from value_realization may be answered by either.
 */
@ApplicationScoped
public class ActionKpis {
    static final String BASELINE_HOLDOUT = "holdout";
    static final String BASELINE_NONE = "none";

    private final EntityManager em;
    private final RuleSet rules;

    public ActionKpis(EntityManager em, RuleSet rules) {
        this.em = em;
        this.rules = rules;
    }

    /** Counts of one action's records. */
    private record Counts(long triggered, long users, long heldOut, long suppressed) {
        Counts plus(Counts o) {
            return new Counts(triggered + o.triggered, users + o.users, heldOut + o.heldOut, suppressed + o.suppressed);
        }
    }

    /** One group of first firings: its users, and how many of them converted. */
    private record Conversion(long users, long converted) {
    }

    @Transactional
    public ActionKpiView actions(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("from must be before to");
        }
        RuleBook book = rules.current();
        List<String> journey = book == null ? List.of() : book.milestones().stream().map(MilestoneDefinition::name).toList();
        Map<String, Counts> counts = new TreeMap<>();
        Map<String, Double> holdouts = new TreeMap<>();
        Map<String, Long> delivered = new TreeMap<>();
        Map<String, Conversion> treated = new TreeMap<>();
        Map<String, Conversion> control = new TreeMap<>();
        Sql.run(em, c -> {
            counts(c, from, to, book, counts, holdouts);
            delivered(c, from, to, delivered);
            conversions(c, from, to, journey, treated, control);
        });
        List<ActionKpiView.Item> items = new ArrayList<>();
        counts.forEach((action, n) -> items.add(item(action, n, holdouts.get(action), delivered.getOrDefault(action, 0L),
                treated.getOrDefault(action, new Conversion(0, 0)), control.getOrDefault(action, new Conversion(0, 0)))));
        return new ActionKpiView(from, to, items);
    }

    private static ActionKpiView.Item item(String action, Counts n, Double holdout, long delivered, Conversion treated,
                                           Conversion control) {
        boolean baseline = holdout != null || n.heldOut() > 0;
        ActionKpiView.Group t = group(treated);
        ActionKpiView.Group k = baseline ? group(control) : null;
        Double difference = null;
        ActionKpiView.ConfidenceInterval ci = null;
        if (k != null && t.rate() != null && k.rate() != null) {
            difference = round(t.rate() - k.rate());
            Proportions.Interval i = Proportions.newcombeDifference(treated.converted(), treated.users(),
                    control.converted(), control.users(), Proportions.Z95);
            ci = new ActionKpiView.ConfidenceInterval(0.95, round(i.low()), round(i.high()), "newcombe-wilson");
        }
        return new ActionKpiView.Item(action, n.triggered(), n.users(), delivered, n.heldOut(), n.suppressed(), holdout, t, k,
                difference, ci, baseline ? BASELINE_HOLDOUT : BASELINE_NONE);
    }

    private static ActionKpiView.Group group(Conversion c) {
        return new ActionKpiView.Group(c.users(), c.converted(), c.users() == 0 ? null : round((double) c.converted() / c.users()));
    }

    static final String COUNTS = "SELECT a.action, a.rule_name, "
            + "SUM(CASE WHEN a.suppressed OR a.held_out THEN 0 ELSE 1 END), "
            + "SUM(CASE WHEN a.occurrence = 1 AND NOT a.suppressed AND NOT a.held_out THEN 1 ELSE 0 END), "
            + "SUM(CASE WHEN a.occurrence = 1 AND NOT a.suppressed AND a.held_out THEN 1 ELSE 0 END), "
            + "SUM(CASE WHEN a.suppressed THEN 1 ELSE 0 END) "
            + "FROM actions a JOIN users u ON u.id = a.user_id "
            + "WHERE u.signed_up_at >= ? AND u.signed_up_at < ? GROUP BY a.action, a.rule_name";

    /** Firings by action (and rule, for the holdout its rule declares). */
    private static void counts(Connection c, Instant from, Instant to, RuleBook book, Map<String, Counts> counts,
                               Map<String, Double> holdouts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COUNTS)) {
            ps.setObject(1, at(from));
            ps.setObject(2, at(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String action = rs.getString(1);
                    counts.merge(action, new Counts(rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)), Counts::plus);
                    Double holdout = book == null ? null : book.rule(rs.getString(2)).map(RuleInfo::holdout).orElse(null);
                    if (holdout != null) {
                        holdouts.merge(action, holdout, Math::max);
                    }
                }
            }
        }
    }

    static final String DELIVERED = "SELECT o.subject, COUNT(*) FROM outbox o JOIN users u ON u.id = o.user_id "
            + "WHERE o.type = ? AND u.signed_up_at >= ? AND u.signed_up_at < ? "
            + "AND EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = o.id AND d.status = ?) GROUP BY o.subject";

    private static void delivered(Connection c, Instant from, Instant to, Map<String, Long> delivered) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELIVERED)) {
            ps.setString(1, Outbox.ACTION_TRIGGERED);
            ps.setObject(2, at(from));
            ps.setObject(3, at(to));
            ps.setString(4, Delivery.DELIVERED);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    delivered.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
    }

    /**
     * Per action and group (sent or held out), the users whose first firing was taken and how many of
     * them converted. For each first firing: the highest journey position among the milestones the
     * user had reached by then ({@code level}, -1 for none) and among all they reached ({@code top});
     * they converted when {@code top > level} (a milestone later than {@code level} can only have been
     * reached after the firing).
     */
    static String conversionsSql(int milestones) {
        StringBuilder position = new StringBuilder(milestones == 0 ? "CAST(NULL AS INTEGER)" : "CASE m.milestone");
        for (int i = 0; i < milestones; i++) {
            position.append(" WHEN ? THEN ").append(i);
        }
        position.append(milestones == 0 ? "" : " END");
        return "SELECT x.action, x.held_out, COUNT(*), SUM(CASE WHEN x.top > COALESCE(x.level, -1) THEN 1 ELSE 0 END) "
                + "FROM (SELECT a.id, a.action, a.held_out, "
                + "MAX(CASE WHEN m.reached_at <= a.triggered_at THEN " + position + " END) AS level, "
                + "MAX(" + position + ") AS top "
                + "FROM actions a JOIN users u ON u.id = a.user_id LEFT JOIN milestones m ON m.user_id = a.user_id "
                + "WHERE a.occurrence = 1 AND a.suppressed = FALSE AND u.signed_up_at >= ? AND u.signed_up_at < ? "
                + "GROUP BY a.id, a.action, a.held_out) x "
                + "GROUP BY x.action, x.held_out";
    }

    private static void conversions(Connection c, Instant from, Instant to, List<String> journey,
                                    Map<String, Conversion> treated, Map<String, Conversion> control) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(conversionsSql(journey.size()))) {
            int p = 1;
            for (int round = 0; round < 2; round++) {
                for (String name : journey) {
                    ps.setString(p++, name);
                }
            }
            ps.setObject(p++, at(from));
            ps.setObject(p, at(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Conversion conversion = new Conversion(rs.getLong(3), rs.getLong(4));
                    (rs.getBoolean(2) ? control : treated).put(rs.getString(1), conversion);
                }
            }
        }
    }

    private static double round(double x) {
        return Math.round(10_000.0 * x) / 10_000.0;
    }
}
