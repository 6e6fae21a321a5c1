package io.milepost.common;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.NotAcceptableException;
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
        Response r = respond(e.status(), e.code(), bounded(e.getMessage()), e.details());
        if (e.status() == 401) {
            return Response.fromResponse(r).header("WWW-Authenticate", "Bearer").build();
        }
        return e.status() == 503
                ? Response.fromResponse(r).header("Retry-After", "1").build()
                : r;
    }

    @ServerExceptionMapper
    public Response json(JacksonException e) {
        return api(JsonProblem.of(e));
    }

    // Quarkus maps these with its own (empty) answers unless mapped here by their own types.
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return api(JsonProblem.of(e));
    }

    @ServerExceptionMapper
    public Response unreadable(StreamReadException e) {
        return api(JsonProblem.of(e));
    }

    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e) {
        return respond(406, "not_acceptable", "this resource answers with JSON (Accept: application/json)", List.of());
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
        if (e.getCause() instanceof JacksonException json) {
            return api(JsonProblem.of(json));
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request failed", LogSafe.redact(e));
            LOG.debug("request failed", e);
            return respond(status, "internal_error", "the request failed; see the service log", List.of());
        }
        return respond(status, "request_error", JsonProblem.cut(e.getMessage()), List.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("request failed", LogSafe.redact(e));
        LOG.debug("request failed", e);
        return respond(500, "internal_error", "the request failed; see the service log", List.of());
    }

    /** Messages may repeat what the caller sent; a 1 MB value must not come back as a 1 MB answer. */
    private static String bounded(String message) {
        return message == null || message.length() <= 1000 ? message : message.substring(0, 1000) + "…";
    }

    public static Response respond(int status, String code, String message, List<?> details) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(code, message, details))
                .build();
    }
}
