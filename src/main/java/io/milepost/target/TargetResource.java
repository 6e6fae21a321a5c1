package io.milepost.target;

import io.milepost.common.ApiException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/targets")
@Tag(name = "Targets")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TargetResource {
    private final TargetService targets;

    public TargetResource(TargetService targets) {
        this.targets = targets;
    }

    @POST
    @Operation(
            summary =
                    "Set a SMART target: a share of each weekly or monthly signup cohort reaching a milestone by a date")
    public Response create(TargetRequest request) {
        if (request == null) {
            throw ApiException.badRequest("send a target: {name, milestone, share, withinWindow?, cohort?, deadline}");
        }
        TargetView created = targets.create(request);
        return Response.created(URI.create("/v1/targets/" + created.id()))
                .entity(created)
                .build();
    }

    @GET
    @Operation(summary = "Every target, with its status, recent cohorts and projection")
    public TargetView.Page list() {
        return new TargetView.Page(targets.list());
    }

    @GET
    @Path("/{id}")
    public TargetView get(@PathParam("id") String id) {
        return targets.find(id).orElseThrow(() -> ApiException.notFound("no target " + id));
    }

    @PATCH
    @Path("/{id}")
    @Operation(summary = "Change any field of a target; its status is judged again at once")
    public TargetView update(@PathParam("id") String id, TargetRequest request) {
        if (request == null) {
            throw ApiException.badRequest("send the fields to change");
        }
        return targets.update(id, request).orElseThrow(() -> ApiException.notFound("no target " + id));
    }

    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id) {
        if (!targets.delete(id)) {
            throw ApiException.notFound("no target " + id);
        }
        return Response.noContent().build();
    }
}
