package io.milepost.user;

import io.milepost.common.ApiException;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
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

    public UserResource(UserService users, Segments segments) {
        this.users = users;
        this.segments = segments;
    }

    @GET
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    @Operation(summary = "A segment: users who reached, did not reach or stalled at a milestone, signed up in a range, "
            + "with given traits or an id prefix; its total, a page by id, or (format=csv) all of it as CSV")
    public Response list(@Context UriInfo uri, @Context HttpHeaders headers) {
        List<MediaType> accepted = headers.getAcceptableMediaTypes();
        boolean csvOnly = !accepted.isEmpty() && "text".equals(accepted.get(0).getType())
                && "csv".equals(accepted.get(0).getSubtype());
        Segments.Request request = segments.parse(uri.getQueryParameters(), csvOnly);
        if (!request.csv()) {
            return Response.ok(segments.page(request), MediaType.APPLICATION_JSON_TYPE).build();
        }
        StreamingOutput body = out -> segments.export(request, out);
        return Response.ok(body, "text/csv; charset=UTF-8")
                .header("Content-Disposition", "attachment; filename=\"users.csv\"").build();
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
    public TimelineItem.Page timeline(@PathParam("id") String id, @QueryParam("limit") @DefaultValue("100") String limit,
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
