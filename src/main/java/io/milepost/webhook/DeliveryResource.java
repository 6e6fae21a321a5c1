package io.milepost.webhook;

import io.milepost.common.ApiException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/deliveries")
@Tag(name = "Webhooks")
@Produces(MediaType.APPLICATION_JSON)
public class DeliveryResource {
    private final WebhookService webhooks;

    public DeliveryResource(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @GET
    @Operation(summary = "Deliveries, newest first, with their last attempt and next attempt")
    public DeliveryView.Page list(
            @QueryParam("status") String status,
            @QueryParam("endpoint") String endpoint,
            @QueryParam("limit") @DefaultValue("100") String limit,
            @QueryParam("cursor") String cursor) {
        return webhooks.deliveries(
                blankToNull(status), blankToNull(endpoint), number("limit", limit), blankToNull(cursor));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One delivery with every attempt")
    public DeliveryView.Detail get(@PathParam("id") String id) {
        long deliveryId = id(id);
        return webhooks.delivery(deliveryId).orElseThrow(() -> ApiException.notFound("no delivery " + deliveryId));
    }

    @POST
    @Path("/{id}/retry")
    @Operation(summary = "Queue a failed or delivered delivery for one more attempt, with the same webhook-id")
    public Response retry(@PathParam("id") String id) {
        long deliveryId = id(id);
        return Response.accepted(webhooks.retry(deliveryId)
                        .orElseThrow(() -> ApiException.notFound("no delivery " + deliveryId)))
                .build();
    }

    private static int number(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a whole number");
        }
    }

    private static long id(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no delivery " + value);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
