package io.milepost.user;

import io.milepost.common.ApiException;
import io.milepost.common.FieldError;
import io.milepost.identity.MergeService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/users")
@Tag(name = "Users")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {
    private final UserService users;
    private final Segments segments;
    private final MergeService merges;

    public UserResource(UserService users, Segments segments, MergeService merges) {
        this.users = users;
        this.segments = segments;
        this.merges = merges;
    }

    /** The body of {@code POST /v1/users/{id}/merge}. */
    public record MergeRequest(String from) {}

    @POST
    @Path("/{id}/merge")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Merge another user (identified or not) into this one: events, activity, traits (this "
                    + "user's win), milestones and stalls (the earlier wins), actions (once per user); the other id then "
                    + "stands for this user. Merging an id already merged changes nothing")
    public UserView merge(@PathParam("id") String id, MergeRequest request) {
        if (request == null || request.from() == null || request.from().isBlank()) {
            throw new ApiException(
                    400,
                    "invalid_request",
                    "send {\"from\": \"<the id of the user to merge into this one>\"}",
                    List.of(new FieldError(null, "from", "is required")));
        }
        if (request.from().length() > 255) {
            throw new ApiException(
                    400,
                    "invalid_request",
                    "from must be at most 255 characters",
                    List.of(new FieldError(null, "from", "must be 1 to 255 characters")));
        }
        String survivor = merges.merge(id, request.from());
        return users.find(survivor).orElseThrow(() -> ApiException.notFound("no user " + id));
    }

    @GET
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    @Operation(
            summary = "A segment: users who reached, did not reach or stalled at a milestone, signed up in a range, "
                    + "with given traits or an id prefix; its total, a page by id, or (format=csv) all of it as CSV")
    public Response list(@Context UriInfo uri, @Context HttpHeaders headers) {
        List<MediaType> accepted = headers.getAcceptableMediaTypes();
        boolean csvOnly = !accepted.isEmpty()
                && "text".equals(accepted.get(0).getType())
                && "csv".equals(accepted.get(0).getSubtype());
        Segments.Request request = segments.parse(uri.getQueryParameters(), csvOnly);
        if (!request.csv()) {
            return Response.ok(segments.page(request), MediaType.APPLICATION_JSON_TYPE)
                    .build();
        }
        StreamingOutput body = out -> segments.export(request, out);
        return Response.ok(body, "text/csv; charset=UTF-8")
                .header("Content-Disposition", "attachment; filename=\"users.csv\"")
                .build();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A user's state: milestones, stalls, activity, actions")
    public UserView get(@PathParam("id") String id) {
        return users.find(id).orElseThrow(() -> ApiException.notFound("no user " + id));
    }

    @GET
    @Path("/{id}/timeline")
    @Operation(summary = "A user's events, milestones, stalls, actions and rule failures in time order")
    public TimelineItem.Page timeline(
            @PathParam("id") String id,
            @QueryParam("limit") @DefaultValue("100") String limit,
            @QueryParam("cursor") String cursor) {
        return users.timeline(id, integer("limit", limit), blankToNull(cursor))
                .orElseThrow(() -> ApiException.notFound("no user " + id));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Erase every record of a user")
    public Response erase(@PathParam("id") String id) {
        if (!users.erase(id)) {
            throw ApiException.notFound("no user " + id);
        }
        return Response.noContent().build();
    }

    static int integer(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a whole number");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
