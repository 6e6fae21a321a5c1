package io.milepost.replay;

import io.milepost.common.ApiException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Replays ({@code POST /v1/replay}) and the jobs that run them ({@code GET /v1/jobs}); admin key. */
@Path("/v1")
@Tag(name = "Replay")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ReplayResource {
    private final ReplayJobs jobs;
    private final ReplayRunner runner;

    public ReplayResource(ReplayJobs jobs, ReplayRunner runner) {
        this.jobs = jobs;
        this.runner = runner;
    }

    @POST
    @Path("/replay")
    @Operation(
            summary =
                    "Re-evaluate every user under the current rules, as a background job (202); "
                            + "{\"fireActions\": true} also sends the actions it fires. 409 while a replay is queued or running")
    public Response replay(ReplayRequest request) {
        boolean fireActions = request != null && Boolean.TRUE.equals(request.fireActions());
        JobView job = jobs.create(fireActions);
        runner.startInBackground();
        return Response.accepted(job)
                .location(URI.create("/v1/jobs/" + job.id()))
                .build();
    }

    /** Draft rule files to preview over the stored users; {@code sample}: at most that many users (in id order). */
    public record ImpactRequest(java.util.Map<String, String> files, Boolean alone, Long sample) {}

    @POST
    @Path("/rules/impact")
    @Tag(name = "Rules")
    @Operation(
            summary =
                    "What saving draft rules would change for the stored users (newly / no longer reached, stalls, "
                            + "actions), as a background job (202); nothing is written or sent. 409 while a preview is queued or running")
    public Response impact(ImpactRequest request) {
        if (request == null || request.files() == null || request.files().isEmpty()) {
            throw ApiException.badRequest("send {\"files\": {\"name.drl\": \"rule text\", ...}, \"sample\": 10000}");
        }
        JobView job = jobs.createImpact(
                new ReplayJobs.Drafts(request.files(), Boolean.TRUE.equals(request.alone())), request.sample());
        runner.startInBackground();
        return Response.accepted(job)
                .location(URI.create("/v1/jobs/" + job.id()))
                .build();
    }

    @GET
    @Path("/jobs")
    @Operation(summary = "Recent jobs, newest first")
    public List<JobView> recent(@QueryParam("limit") @DefaultValue("20") String limit) {
        try {
            return jobs.recent(Integer.parseInt(limit.trim()));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a whole number");
        }
    }

    @GET
    @Path("/jobs/{id}")
    @Operation(summary = "A job's status, progress, counts and failed users")
    public JobView get(@PathParam("id") String id) {
        return jobs.find(id).orElseThrow(() -> ApiException.notFound("no job " + id));
    }
}
