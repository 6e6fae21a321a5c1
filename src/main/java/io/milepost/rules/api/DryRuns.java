package io.milepost.rules.api;

import io.milepost.common.ApiException;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.engine.RuleBook;
import io.milepost.ingest.EventNames;
import io.milepost.rules.RuleCompiler;
import io.milepost.rules.RuleProblem;
import io.milepost.rules.RuleSet;
import io.milepost.rules.RuleSource;
import io.milepost.rules.RuleWarnings;
import io.milepost.rules.scenario.Scenario;
import io.milepost.rules.scenario.ScenarioFiles;
import io.milepost.rules.scenario.ScenarioResult;
import io.milepost.rules.scenario.ScenarioRunner;
import io.milepost.rules.scenario.Simulation;
import io.milepost.webhook.WebhookService;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checking rules before they go live: compile drafts and warn about them, simulate a user, run
 * scenarios. Nothing is stored or sent. Draft files are checked alone or on top of the rules
 * folder; without drafts, the loaded rules are used.
 */
@ApplicationScoped
public class DryRuns {
    /** A rule that asks about an event none of which arrived in this many days gets a warning. */
    static final int EVENTS_LATELY_DAYS = 30;

    private final RuleSet rules;
    private final JourneyEngine engine;
    private final WebhookService webhooks;
    private final EventNames eventNames;
    private final Clock clock;

    public DryRuns(RuleSet rules, JourneyEngine engine, WebhookService webhooks, EventNames eventNames, Clock clock) {
        this.rules = rules;
        this.engine = engine;
        this.webhooks = webhooks;
        this.eventNames = eventNames;
        this.clock = clock;
    }

    /** What a draft compiles to: {@code valid}, or the problems; {@code warnings} for the draft files only. */
    public record Validation(
            boolean valid,
            String version,
            int rules,
            List<String> milestones,
            List<RuleProblem> errors,
            List<RuleProblem> warnings) {}

    /** Compiles the drafts; warns about what is legal but likely not meant ({@link RuleWarnings}). */
    public Validation validate(Map<String, String> files, boolean alone) {
        RuleCompiler.Result result = rules.compileDraft(files, alone);
        if (!result.ok()) {
            return new Validation(false, null, 0, List.of(), result.problems(), List.of());
        }
        RuleBook book = result.book();
        List<RuleSource> drafts = result.sources().stream()
                .filter(s -> files.containsKey(s.file()))
                .toList();
        List<RuleProblem> warnings = new ArrayList<>(RuleWarnings.of(drafts, book, webhooks.actionReceivers()));
        Set<String> asked = new TreeSet<>();
        drafts.forEach(s -> asked.addAll(RuleWarnings.eventsAsked(s).keySet()));
        warnings.addAll(RuleWarnings.notReceived(
                drafts,
                eventNames.notSeenSince(asked, clock.instant().minus(Duration.ofDays(EVENTS_LATELY_DAYS))),
                EVENTS_LATELY_DAYS));
        return new Validation(
                true,
                book.version(),
                book.rules().size(),
                book.milestones().stream().map(MilestoneDefinition::name).toList(),
                List.of(),
                warnings);
    }

    /** What a user's events would produce under the drafts (or the loaded rules). */
    public Simulation.Result simulate(
            Map<String, Object> traits,
            String signedUpAt,
            List<Scenario.Step> events,
            String at,
            Map<String, String> drafts,
            boolean alone) {
        RuleBook book = bookFor(drafts, alone);
        try {
            return new Simulation(engine).run(book, traits, signedUpAt, events, at);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /**
     * Runs the given scenarios, or (none given) the rules folder's, where one file that cannot be
     * read or run fails alone, with its name.
     */
    public List<ScenarioResult> test(List<Scenario> scenarios, Map<String, String> drafts, boolean alone) {
        RuleBook book = bookFor(drafts, alone);
        ScenarioRunner runner = new ScenarioRunner(engine);
        List<ScenarioResult> results = new ArrayList<>();
        if (scenarios == null || scenarios.isEmpty()) {
            for (ScenarioFiles.Entry entry : ScenarioFiles.read(rules.scenariosDir())) {
                results.add(runner.run(book, entry));
            }
            return results;
        }
        for (int i = 0; i < scenarios.size(); i++) {
            try {
                results.add(runner.run(book, scenarios.get(i)));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("/scenarios/" + i + ": " + e.getMessage());
            }
        }
        return results;
    }

    /** The drafts' book, or the loaded one: 409 when none is loaded, 422 when the drafts do not compile. */
    private RuleBook bookFor(Map<String, String> drafts, boolean alone) {
        if (drafts == null || drafts.isEmpty()) {
            RuleBook book = rules.current();
            if (book == null) {
                throw new ApiException(409, "no_rules", "no rules are loaded; fix the rules folder (GET /v1/rules)");
            }
            return book;
        }
        RuleCompiler.Result result = rules.compileDraft(drafts, alone);
        if (!result.ok()) {
            throw new ApiException(
                    422,
                    "invalid_rules",
                    "the draft rules were refused (details: file, line, column, message)",
                    result.problems());
        }
        return result.book();
    }
}
