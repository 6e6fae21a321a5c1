package io.milepost.kpi;

import io.milepost.common.ApiException;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.engine.RuleBook;
import io.milepost.engine.RuleSet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Milestone KPIs, computed from the milestones, stalls and actions tables: progress through the
 * journey, time to each milestone, completion within the window, drop-off, and what actions lead to.
 */
@ApplicationScoped
public class KpiService {
    private final EntityManager em;
    private final RuleSet rules;

    public KpiService(EntityManager em, RuleSet rules) {
        this.em = em;
        this.rules = rules;
    }

    @Transactional
    public FunnelView funnel(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("from must be before to");
        }
        List<MilestoneDefinition> catalog = catalog();
        long cohort = em.createQuery("select count(u) from UserEntity u where u.signedUpAt >= :from and u.signedUpAt < :to",
                Long.class).setParameter("from", from).setParameter("to", to).getSingleResult();
        // user -> (milestone -> reachedAt), and each user's signup
        Map<String, Map<String, Instant>> reachedByUser = new HashMap<>();
        Map<String, Instant> signup = new HashMap<>();
        for (Object[] r : em.createQuery("select m.userId, m.milestone, m.reachedAt, u.signedUpAt from MilestoneEntity m, "
                        + "UserEntity u where m.userId = u.id and u.signedUpAt >= :from and u.signedUpAt < :to", Object[].class)
                .setParameter("from", from).setParameter("to", to).getResultList()) {
            reachedByUser.computeIfAbsent((String) r[0], k -> new HashMap<>()).put((String) r[1], (Instant) r[2]);
            signup.put((String) r[0], (Instant) r[3]);
        }
        Map<String, Long> stalled = new HashMap<>();
        for (Object[] r : em.createQuery("select s.milestone, count(s) from StallEntity s, UserEntity u where s.userId = u.id "
                        + "and u.signedUpAt >= :from and u.signedUpAt < :to group by s.milestone", Object[].class)
                .setParameter("from", from).setParameter("to", to).getResultList()) {
            stalled.put((String) r[0], (Long) r[1]);
        }
        List<FunnelView.Step> steps = new ArrayList<>();
        long previous = cohort;
        for (MilestoneDefinition m : catalog) {
            List<Duration> times = new ArrayList<>();
            long inWindow = 0;
            for (Map.Entry<String, Map<String, Instant>> user : reachedByUser.entrySet()) {
                Instant at = user.getValue().get(m.name());
                if (at == null) {
                    continue;
                }
                Instant start = signup.get(user.getKey());
                times.add(Duration.between(start, at));
                Instant opens = m.after() == null ? start : user.getValue().get(m.after());
                if (m.within() == null || opens != null && !at.isAfter(opens.plus(m.within()))) {
                    inWindow++;
                }
            }
            times.sort(null);
            long reached = times.size();
            steps.add(new FunnelView.Step(m.name(), m.order() == Integer.MAX_VALUE ? null : m.order(), m.within(), reached,
                    ratio(reached, cohort), previous == 0 ? null : ratio(reached, previous), inWindow, stalled.getOrDefault(m.name(), 0L),
                    percentile(times, 0.5), percentile(times, 0.9)));
            previous = reached;
        }
        return new FunnelView(from, to, cohort, steps);
    }

    private List<MilestoneDefinition> catalog() {
        RuleBook book = rules.current();
        return book == null ? List.of() : book.milestones();
    }

    private static double ratio(long part, long whole) {
        return whole == 0 ? 0.0 : Math.round(10_000.0 * part / whole) / 10_000.0;
    }

    /** Nearest-rank percentile of sorted durations; null when there are none. */
    static Duration percentile(List<Duration> sorted, double p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
