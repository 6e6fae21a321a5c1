package io.milepost.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The API's error shape for answers Vert.x gives before any resource runs: no route (404), a path
 * served for other methods (405), a path that cannot be decoded (400), and any failure a route left
 * unanswered. (For the 400, Quarkus' own URI check must be off: see {@link io.milepost.Main}.)
 */
@ApplicationScoped
public class HttpErrors {
    private static final Logger LOG = Logger.getLogger(HttpErrors.class);

    private final RequestGuard guard;

    public HttpErrors(RequestGuard guard) {
        this.guard = guard;
    }

    void install(@Observes Router router) {
        for (int status = 400; status < 600; status++) {
            int code = status;
            router.errorHandler(code, ctx -> answer(ctx, code));
        }
    }

    void answer(RoutingContext ctx, int status) {
        if (ctx.response().ended()) {
            return;
        }
        if (status >= 500 && ctx.failure() != null) {
            LOG.error("request failed", ctx.failure());
        }
        switch (status) {
            case 404 -> guard.refuse(ctx, 404, "not_found", "no such resource", false);
            case 405 -> guard.refuse(ctx, 405, "method_not_allowed", "this method is not allowed here", false);
            case 413 -> guard.refuse(ctx, 413, "payload_too_large", "the body is too large", true);
            case 414 -> guard.refuse(ctx, 414, "uri_too_long", "the URL is too long", true);
            case 415 ->
                guard.refuse(ctx, 415, "unsupported_media_type", "send JSON (Content-Type: application/json)", false);
            case 400 ->
                guard.refuse(
                        ctx, 400, "invalid_request", "the request cannot be read (check the path's % escapes)", false);
            default ->
                guard.refuse(
                        ctx,
                        status,
                        status >= 500 ? "internal_error" : "request_error",
                        status >= 500
                                ? "the request failed; see the service log"
                                : "the request was refused (HTTP " + status + ")",
                        false);
        }
    }
}
