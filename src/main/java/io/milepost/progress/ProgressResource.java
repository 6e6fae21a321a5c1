package io.milepost.progress;

import io.milepost.common.ApiException;
import io.milepost.common.FieldError;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

// shares /v1/users with UserResource, so that a wrong method on this path is a 405, not a 404
@Path("/v1/users")
@Tag(name = "Users")
@Produces(MediaType.APPLICATION_JSON)
public class ProgressResource {
    private final UserProgress progress;

    public ProgressResource(UserProgress progress) {
        this.progress = progress;
    }

    @GET
    @Path("/{id}/progress")
    @Operation(
            summary = "A user's progress toward each milestone: its window, and which conditions of its rules "
                    + "hold, with the user's values against the thresholds")
    public ProgressView get(@PathParam("id") String id, @Context UriInfo uri) {
        List<FieldError> unknown = uri.getQueryParameters().keySet().stream()
                .sorted()
                .map(p -> new FieldError(null, p, "unknown query parameter"))
                .toList();
        if (!unknown.isEmpty()) {
            throw new ApiException(
                    400,
                    "invalid_request",
                    "unknown query parameter "
                            + String.join(
                                    ", ",
                                    unknown.stream().map(FieldError::field).toList()) + "; this endpoint takes none",
                    unknown);
        }
        return progress.of(id).orElseThrow(() -> ApiException.notFound("no user " + id));
    }
}
