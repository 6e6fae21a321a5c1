package io.milepost.kpi;

import io.milepost.action.Outbox;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.engine.RuleBook;
import io.milepost.engine.RuleSet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Action KPIs, computed from the actions, milestones and outbox tables: what actions lead to. The
 * journey KPIs (funnel, cohorts, time to reach) are {@link JourneyKpis}.
 */
@ApplicationScoped
public class KpiService {
    private final EntityManager em;
    private final RuleSet rules;

    public KpiService(EntityManager em, RuleSet rules) {
        this.em = em;
        this.rules = rules;
    }

    /** Per action, for the users who signed up in {@code [from, to)}. */
    @Transactional
    public List<ActionKpi> actions(Instant from, Instant to) {
        List<MilestoneDefinition> catalog = catalog();
        Map<String, Integer> order = new HashMap<>();
        for (int i = 0; i < catalog.size(); i++) {
            order.put(catalog.get(i).name(), i);
        }
        Map<String, Map<String, Instant>> reachedByUser = new HashMap<>();
        for (Object[] r : em.createQuery("select m.userId, m.milestone, m.reachedAt from MilestoneEntity m, UserEntity u "
                        + "where m.userId = u.id and u.signedUpAt >= :from and u.signedUpAt < :to", Object[].class)
                .setParameter("from", from).setParameter("to", to).getResultList()) {
            reachedByUser.computeIfAbsent((String) r[0], k -> new HashMap<>()).put((String) r[1], (Instant) r[2]);
        }
        Map<String, Long> delivered = new HashMap<>();
        for (Object[] r : em.createQuery("select o.subject, count(distinct o.id) from OutboxEntity o, Delivery d, UserEntity u "
                        + "where d.messageId = o.id and d.status = 'delivered' and o.userId = u.id and o.type = :type "
                        + "and u.signedUpAt >= :from and u.signedUpAt < :to group by o.subject", Object[].class)
                .setParameter("type", Outbox.ACTION_TRIGGERED).setParameter("from", from).setParameter("to", to)
                .getResultList()) {
            delivered.put((String) r[0], (Long) r[1]);
        }
        Map<String, long[]> byAction = new TreeMap<>(); // triggered, users, nextMilestone
        // suppressed firings (a replay's, never sent) are on record but were not actions taken
        for (Object[] r : em.createQuery("select a.action, a.userId, a.occurrence, a.triggeredAt from ActionEntity a, "
                        + "UserEntity u where a.userId = u.id and a.suppressed = false and u.signedUpAt >= :from "
                        + "and u.signedUpAt < :to", Object[].class)
                .setParameter("from", from).setParameter("to", to).getResultList()) {
            long[] counts = byAction.computeIfAbsent((String) r[0], k -> new long[3]);
            counts[0]++;
            if ((Integer) r[2] != 1) {
                continue;
            }
            counts[1]++;
            Map<String, Instant> reached = reachedByUser.getOrDefault((String) r[1], Map.of());
            String next = nextMilestone(catalog, order, reached, (Instant) r[3]);
            if (next != null && reached.containsKey(next) && reached.get(next).isAfter((Instant) r[3])) {
                counts[2]++;
            }
        }
        List<ActionKpi> result = new ArrayList<>();
        byAction.forEach((action, c) -> result.add(new ActionKpi(action, c[0], c[1], delivered.getOrDefault(action, 0L),
                c[2], ratio(c[2], c[1]))));
        return result;
    }

    /** The milestone after the highest one the user had reached by {@code at}. */
    private static String nextMilestone(List<MilestoneDefinition> catalog, Map<String, Integer> order,
                                        Map<String, Instant> reached, Instant at) {
        int highest = -1;
        for (Map.Entry<String, Instant> r : reached.entrySet()) {
            Integer i = order.get(r.getKey());
            if (i != null && !r.getValue().isAfter(at) && i > highest) {
                highest = i;
            }
        }
        return highest + 1 < catalog.size() ? catalog.get(highest + 1).name() : null;
    }

    private List<MilestoneDefinition> catalog() {
        RuleBook book = rules.current();
        return book == null ? List.of() : book.milestones();
    }

    private static double ratio(long part, long whole) {
        return whole == 0 ? 0.0 : Math.round(10_000.0 * part / whole) / 10_000.0;
    }
}
