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
    private final Map<String, java.util.Set<String>> properties;

    /** @param version content hash of the rule files (first 12 hex digits of a SHA-256) */
    public RuleBook(
            String version,
            Instant loadedAt,
            List<String> files,
            List<RuleInfo> rules,
            List<MilestoneDefinition> milestones,
            KieBase kieBase) {
        this(version, loadedAt, files, rules, milestones, kieBase, Map.of());
    }

    /**
     * @param properties the event properties the rules ask questions about ({@code countWhere},
     *                   {@code distinct}, {@code sum}), by event name ({@link PropertyQuestions#ANY_EVENT}: any)
     */
    public RuleBook(
            String version,
            Instant loadedAt,
            List<String> files,
            List<RuleInfo> rules,
            List<MilestoneDefinition> milestones,
            KieBase kieBase,
            Map<String, java.util.Set<String>> properties) {
        this.properties = Map.copyOf(properties);
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

    /** The properties of {@code event} whose values the rules ask about: kept per value in the user's state. */
    public java.util.Set<String> propertiesOf(String event) {
        java.util.Set<String> named = properties.getOrDefault(event, java.util.Set.of());
        java.util.Set<String> any = properties.getOrDefault(PropertyQuestions.ANY_EVENT, java.util.Set.of());
        if (any.isEmpty()) {
            return named;
        }
        java.util.Set<String> both = new java.util.TreeSet<>(named);
        both.addAll(any);
        return both;
    }

    /** Every property question's (event, property), for {@code GET /v1/rules}. */
    public Map<String, java.util.Set<String>> properties() {
        return properties;
    }

    public Optional<RuleInfo> rule(String name) {
        return Optional.ofNullable(name == null ? null : rulesByName.get(name));
    }
}
