package io.milepost.user;

import io.milepost.common.ApiException;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/users")
@Tag(name = "Users")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {
    private final UserService users;

    public UserResource(UserService users) {
        this.users = users;
    }

    @GET
    @Operation(summary = "Users who reached, did not reach, or stalled at a milestone")
    public UserSummary.Page list(@QueryParam("milestone") String milestone, @QueryParam("reached") String reached,
                                 @QueryParam("stalled") String stalled, @QueryParam("limit") @DefaultValue("100") String limit,
                                 @QueryParam("cursor") String cursor) {
        Boolean reachedFlag = switch (reached == null ? "" : reached) {
            case "" -> null;
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badRequest("reached must be true or false");
        };
        return users.list(blankToNull(milestone), reachedFlag, blankToNull(stalled), integer("limit", limit), blankToNull(cursor));
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
