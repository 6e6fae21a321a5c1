package io.milepost.engine;

import io.milepost.common.ApiException;
import io.milepost.engine.scenario.Scenario;
import io.milepost.engine.scenario.ScenarioFiles;
import io.milepost.engine.scenario.ScenarioResult;
import io.milepost.engine.scenario.ScenarioRunner;
import io.milepost.engine.scenario.Simulation;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Checking rules before they go live: validate, simulate, run scenarios. Nothing is stored or sent. */
@Path("/v1")
@Tag(name = "Rules")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class DryRunResource {
    private final RuleSet rules;
    private final JourneyEngine engine;
    private final io.milepost.webhook.WebhookService webhooks;
    private final io.milepost.ingest.EventNames eventNames;
    private final java.time.Clock clock;
    /** A rule that asks about an event none of which arrived in this many days gets a warning. */
    static final int EVENTS_LATELY_DAYS = 30;

    public DryRunResource(RuleSet rules, JourneyEngine engine, io.milepost.webhook.WebhookService webhooks,
                          io.milepost.ingest.EventNames eventNames, java.time.Clock clock) {
        this.rules = rules;
        this.eventNames = eventNames;
        this.clock = clock;
        this.webhooks = webhooks;
        this.engine = engine;
    }

    /** Draft files, checked alone or on top of the rules folder (the default). */
    public record ValidateRequest(Map<String, String> files, Boolean alone) {
    }

    /** {@code warnings}: legal, but likely not what was meant (in the draft files only); see {@link RuleWarnings}. */
    public record ValidateResponse(boolean valid, String version, int rules, List<String> milestones, List<RuleProblem> errors,
                                   List<RuleProblem> warnings) {
    }

    /** A user to simulate, optionally under draft rule files. Times as in scenarios ({@code +1d2h} or ISO-8601). */
    public record SimulateRequest(Map<String, Object> traits, String signedUpAt, List<Scenario.Step> events, String at,
                                  Map<String, String> files, Boolean alone) {
    }

    /** Scenarios to run (default: the folder's {@code tests/}), optionally under draft rule files. */
    public record TestRequest(List<Scenario> scenarios, Map<String, String> files, Boolean alone) {
    }

    public record TestResponse(int passed, int failed, List<ScenarioResult> results) {
    }

    @POST
    @Path("/rules/validate")
    @Operation(summary = "Compile draft rule files (alone or with the rules folder); changes nothing")
    public Response validate(ValidateRequest request) {
        if (request == null || request.files() == null || request.files().isEmpty()) {
            throw ApiException.badRequest("send {\"files\": {\"name.drl\": \"rule text\", ...}}");
        }
        RuleCompiler.Result result = rules.compileDraft(request.files(), Boolean.TRUE.equals(request.alone()));
        if (!result.ok()) {
            return Response.status(422).entity(new ValidateResponse(false, null, 0, List.of(), result.problems(), List.of()))
                    .build();
        }
        RuleBook book = result.book();
        List<RuleSource> drafts = result.sources().stream().filter(s -> request.files().containsKey(s.file())).toList();
        List<RuleProblem> warnings = new ArrayList<>(RuleWarnings.of(drafts, book, webhooks.actionReceivers()));
        java.util.Set<String> asked = new java.util.TreeSet<>();
        drafts.forEach(s -> asked.addAll(RuleWarnings.eventsAsked(s).keySet()));
        warnings.addAll(RuleWarnings.notReceived(drafts, eventNames.notSeenSince(asked,
                clock.instant().minus(java.time.Duration.ofDays(EVENTS_LATELY_DAYS))), EVENTS_LATELY_DAYS));
        return Response.ok(new ValidateResponse(true, book.version(), book.rules().size(),
                book.milestones().stream().map(MilestoneDefinition::name).toList(), List.of(), warnings)).build();
    }

    @POST
    @Path("/simulate")
    @Operation(summary = "Which milestones, stalls and actions a user's events would produce; nothing stored or sent")
    public Simulation.Result simulate(SimulateRequest request) {
        if (request == null) {
            throw ApiException.badRequest("send {\"events\": [{\"event\": \"search_performed\", \"at\": \"+1h\"}], ...}");
        }
        RuleBook book = bookFor(request.files(), Boolean.TRUE.equals(request.alone()));
        try {
            return new Simulation(engine).run(book, request.traits(), request.signedUpAt(), request.events(), request.at());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    @POST
    @Path("/rules/test")
    @Operation(summary = "Run scenarios (given events and a clock, expect milestones, stalls, actions) against the rules")
    public TestResponse test(TestRequest request) {
        RuleBook book = bookFor(request == null ? null : request.files(), request != null && Boolean.TRUE.equals(request.alone()));
        ScenarioRunner runner = new ScenarioRunner(engine);
        List<ScenarioResult> results = new ArrayList<>();
        if (request == null || request.scenarios() == null || request.scenarios().isEmpty()) {
            // the folder's files: one that cannot be read or run fails alone, with its name
            for (ScenarioFiles.Entry entry : rules.readScenarios()) {
                results.add(runner.run(book, entry));
            }
        } else {
            for (int i = 0; i < request.scenarios().size(); i++) {
                Scenario s = request.scenarios().get(i);
                try {
                    results.add(runner.run(book, s));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("/scenarios/" + i + ": " + e.getMessage());
                }
            }
        }
        int passed = (int) results.stream().filter(ScenarioResult::passed).count();
        return new TestResponse(passed, results.size() - passed, results);
    }

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
            throw new ApiException(422, "invalid_rules", "the draft rules were refused (details: file, line, column, message)",
                    result.problems());
        }
        return result.book();
    }
}
