package io.milepost.kpi;

import io.milepost.common.ApiException;
import io.milepost.engine.RuleBook;
import io.milepost.engine.RuleInfo;
import io.milepost.kpi.ActionQueries.Figures;
import io.milepost.kpi.ActionQueries.Row;
import io.milepost.rules.RuleSet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The action KPI: per action, what it did (sent, delivered, held out, suppressed) and whether the
 * users who got it then moved further in the journey more often than its {@code @holdout} control
 * group ({@link ActionQueries} says what converted means). Read from the figures kept per signup
 * day, and counted from the records for the days those do not cover ({@link KpiDays}).
 */
@ApplicationScoped
public class ActionKpis {
    static final String BASELINE_HOLDOUT = "holdout";
    static final String BASELINE_NONE = "none";

    private final KpiDays days;
    private final ActionQueries queries;
    private final RuleSet rules;

    public ActionKpis(KpiDays days, ActionQueries queries, RuleSet rules) {
        this.days = days;
        this.queries = queries;
        this.rules = rules;
    }

    @Transactional
    public ActionKpiView actions(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("from must be before to");
        }
        RuleBook book = rules.current();
        Journey journey = days.journey();
        KpiParts parts = KpiParts.of(days, journey, from, to);
        Figures figures = queries.count(journey.names(), parts.uncounted(), false);
        days.readActions(parts.fingerprint(), parts.kept(), figures);

        Map<String, Row> byAction = new TreeMap<>();
        Map<String, Double> holdouts = new TreeMap<>();
        figures.forEach((day, action, rule, row) -> {
            byAction.merge(action, row, Row::plus);
            Double holdout = book == null || rule == null
                    ? null
                    : book.rule(rule).map(RuleInfo::holdout).orElse(null);
            if (holdout != null) {
                holdouts.merge(action, holdout, Math::max);
            }
        });
        List<ActionKpiView.Item> items = new ArrayList<>();
        // an action listed only by its deliveries or conversions has no firing in range: not listed
        byAction.forEach((action, n) -> {
            if (n.triggered() + n.users() + n.heldOut() + n.suppressed() > 0) {
                items.add(item(action, n, holdouts.get(action)));
            }
        });
        return new ActionKpiView(from, to, items);
    }

    private static ActionKpiView.Item item(String action, Row n, Double holdout) {
        boolean baseline = holdout != null || n.heldOut() > 0;
        ActionKpiView.Group t = group(n.treatedUsers(), n.treatedConverted());
        ActionKpiView.Group k = baseline ? group(n.controlUsers(), n.controlConverted()) : null;
        Double difference = null;
        ActionKpiView.ConfidenceInterval ci = null;
        if (k != null && t.rate() != null && k.rate() != null) {
            difference = round(t.rate() - k.rate());
            Proportions.Interval i = Proportions.newcombeDifference(
                    n.treatedConverted(), n.treatedUsers(), n.controlConverted(), n.controlUsers(), Proportions.Z95);
            ci = new ActionKpiView.ConfidenceInterval(0.95, round(i.low()), round(i.high()), "newcombe-wilson");
        }
        return new ActionKpiView.Item(
                action,
                n.triggered(),
                n.users(),
                n.delivered(),
                n.heldOut(),
                n.suppressed(),
                holdout,
                t,
                k,
                difference,
                ci,
                baseline ? BASELINE_HOLDOUT : BASELINE_NONE);
    }

    private static ActionKpiView.Group group(long users, long converted) {
        return new ActionKpiView.Group(users, converted, users == 0 ? null : round((double) converted / users));
    }

    private static double round(double x) {
        return Math.round(10_000.0 * x) / 10_000.0;
    }
}
