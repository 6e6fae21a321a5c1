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
 * they started with. Look-ups by name are maps: they run on every trigger and every save.
 */
public final class RuleBook {
    private final String version;
    private final Instant loadedAt;
    private final List<String> files;
    private final List<RuleInfo> rules;
    private final List<MilestoneDefinition> milestones;
    private final KieBase kieBase;
    private final Map<String, RuleInfo> rulesByName = new LinkedHashMap<>();

    /** @param version content hash of the rule files (first 12 hex digits of a SHA-256) */
    public RuleBook(String version, Instant loadedAt, List<String> files, List<RuleInfo> rules,
                    List<MilestoneDefinition> milestones, KieBase kieBase) {
        this.version = version;
        this.loadedAt = loadedAt;
        this.files = List.copyOf(files);
        this.rules = List.copyOf(rules);
        this.milestones = List.copyOf(milestones);
        this.kieBase = kieBase;
        this.rules.forEach(r -> rulesByName.putIfAbsent(r.name(), r));
    }

    public String version() {
        return version;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    public List<String> files() {
        return files;
    }

    public List<RuleInfo> rules() {
        return rules;
    }

    /** The milestone catalog, in journey order. */
    public List<MilestoneDefinition> milestones() {
        return milestones;
    }

    public KieBase kieBase() {
        return kieBase;
    }

    public Optional<RuleInfo> rule(String name) {
        return Optional.ofNullable(name == null ? null : rulesByName.get(name));
    }
}
