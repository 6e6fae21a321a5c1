package io.milepost.common;

import com.fasterxml.jackson.core.JacksonException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every error into the API's error shape. Unknown failures become a 500 without internals. */
public class ErrorMapper {
    private static final Logger LOG = Logger.getLogger(ErrorMapper.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response r = respond(e.status(), e.code(), e.getMessage(), e.details());
        if (e.status() == 401) {
            return Response.fromResponse(r).header("WWW-Authenticate", "Bearer").build();
        }
        return e.status() == 503 ? Response.fromResponse(r).header("Retry-After", "1").build() : r;
    }

    @ServerExceptionMapper
    public Response json(JacksonException e) {
        return respond(400, "invalid_json", "the body is not valid JSON: " + e.getOriginalMessage(), List.of());
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return respond(404, "not_found", "no such resource", List.of());
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return respond(405, "method_not_allowed", "this method is not allowed here", List.of());
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e) {
        return respond(415, "unsupported_media_type", "send JSON (Content-Type: application/json)", List.of());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request failed", e);
            return respond(status, "internal_error", "the request failed; see the service log", List.of());
        }
        return respond(status, "request_error", e.getMessage(), List.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("request failed", e);
        return respond(500, "internal_error", "the request failed; see the service log", List.of());
    }

    public static Response respond(int status, String code, String message, List<?> details) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(code, message, details)).build();
    }
}
