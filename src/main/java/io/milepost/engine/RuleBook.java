package io.milepost.engine;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kie.api.KieBase;

/**
 * An immutable, compiled rule set: the shared KieBase plus what Milepost read from the rules'
 * metadata. A reload builds a new RuleBook and swaps it in; evaluations in flight keep the one
 * they started with.
 *
 * @param version content hash of the rule files (first 12 hex digits of a SHA-256)
 */
public record RuleBook(String version, Instant loadedAt, List<String> files, List<RuleInfo> rules,
                       List<MilestoneDefinition> milestones, KieBase kieBase) {

    public RuleBook {
        files = List.copyOf(files);
        rules = List.copyOf(rules);
        milestones = List.copyOf(milestones);
    }

    public Optional<MilestoneDefinition> milestone(String name) {
        return milestones.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    public Optional<RuleInfo> rule(String name) {
        return rules.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /** Milestone name → order, for ranking a user's stage. */
    public Map<String, Integer> orderByName() {
        Map<String, Integer> order = new LinkedHashMap<>();
        milestones.forEach(m -> order.put(m.name(), m.order()));
        return order;
    }
}
