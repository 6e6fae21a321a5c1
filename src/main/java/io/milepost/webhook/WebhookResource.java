package io.milepost.webhook;

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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/webhooks")
@Tag(name = "Webhooks")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class WebhookResource {
    private final WebhookService webhooks;

    public WebhookResource(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @POST
    @Operation(summary = "Register an endpoint; the answer carries its signing secret, shown this once")
    public Response create(WebhookService.EndpointRequest request) {
        return Response.status(201).entity(webhooks.create(request)).build();
    }

    @GET
    @Operation(summary = "The registered endpoints")
    public WebhookView.Page list() {
        return new WebhookView.Page(webhooks.list());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One endpoint")
    public WebhookView get(@PathParam("id") String id) {
        return webhooks.get(id).orElseThrow(() -> notFound(id));
    }

    @PATCH
    @Path("/{id}")
    @Operation(summary = "Change an endpoint's url, filters or description, or enable or disable it")
    public WebhookView update(@PathParam("id") String id, WebhookService.EndpointRequest request) {
        return webhooks.update(id, request).orElseThrow(() -> notFound(id));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Remove an endpoint and its deliveries")
    public Response delete(@PathParam("id") String id) {
        if (!webhooks.delete(id)) {
            throw notFound(id);
        }
        return Response.noContent().build();
    }

    @POST
    @Path("/{id}/rotate-secret")
    @Operation(summary = "Give the endpoint a new secret; the old one keeps signing alongside for a while")
    public WebhookView.Rotated rotate(@PathParam("id") String id) {
        return webhooks.rotate(id).orElseThrow(() -> notFound(id));
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("no webhook endpoint " + id);
    }
}
