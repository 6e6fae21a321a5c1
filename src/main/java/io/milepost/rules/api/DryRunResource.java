package io.milepost.rules.api;

import io.milepost.common.ApiException;
import io.milepost.rules.scenario.Scenario;
import io.milepost.rules.scenario.ScenarioResult;
import io.milepost.rules.scenario.Simulation;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Checking rules before they go live: validate, simulate, run scenarios ({@link DryRuns}). */
@Path("/v1")
@Tag(name = "Rules")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class DryRunResource {
    private final DryRuns dryRuns;

    public DryRunResource(DryRuns dryRuns) {
        this.dryRuns = dryRuns;
    }

    /** Draft files, checked alone or on top of the rules folder (the default). */
    public record ValidateRequest(Map<String, String> files, Boolean alone) {}

    /** A user to simulate, optionally under draft rule files. Times as in scenarios ({@code +1d2h} or ISO-8601). */
    public record SimulateRequest(
            Map<String, Object> traits,
            String signedUpAt,
            List<Scenario.Step> events,
            String at,
            Map<String, String> files,
            Boolean alone) {}

    /** Scenarios to run (default: the folder's {@code tests/}), optionally under draft rule files. */
    public record TestRequest(List<Scenario> scenarios, Map<String, String> files, Boolean alone) {}

    public record TestResponse(int passed, int failed, List<ScenarioResult> results) {}

    @POST
    @Path("/rules/validate")
    @Operation(summary = "Compile draft rule files (alone or with the rules folder); changes nothing")
    public Response validate(ValidateRequest request) {
        if (request == null || request.files() == null || request.files().isEmpty()) {
            throw ApiException.badRequest("send {\"files\": {\"name.drl\": \"rule text\", ...}}");
        }
        DryRuns.Validation v = dryRuns.validate(request.files(), Boolean.TRUE.equals(request.alone()));
        return Response.status(v.valid() ? 200 : 422).entity(v).build();
    }

    @POST
    @Path("/simulate")
    @Operation(summary = "Which milestones, stalls and actions a user's events would produce; nothing stored or sent")
    public Simulation.Result simulate(SimulateRequest request) {
        if (request == null) {
            throw ApiException.badRequest(
                    "send {\"events\": [{\"event\": \"search_performed\", \"at\": \"+1h\"}], ...}");
        }
        return dryRuns.simulate(
                request.traits(),
                request.signedUpAt(),
                request.events(),
                request.at(),
                request.files(),
                Boolean.TRUE.equals(request.alone()));
    }

    @POST
    @Path("/rules/test")
    @Operation(
            summary = "Run scenarios (given events and a clock, expect milestones, stalls, actions) against the rules")
    public TestResponse test(TestRequest request) {
        List<ScenarioResult> results = request == null
                ? dryRuns.test(null, null, false)
                : dryRuns.test(request.scenarios(), request.files(), Boolean.TRUE.equals(request.alone()));
        int passed = (int) results.stream().filter(ScenarioResult::passed).count();
        return new TestResponse(passed, results.size() - passed, results);
    }
}
