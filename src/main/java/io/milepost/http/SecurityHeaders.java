package io.milepost.http;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Browser protections for every answer: the dashboard and its files may load scripts, styles and
 * data from this origin only, run no inline script and never be framed (clickjacking). Quarkus' own
 * pages under {@code /q/} (Swagger UI needs inline scripts) keep their defaults but are not framed either.
 */
@ApplicationScoped
public class SecurityHeaders {
    /** The dashboard's Content-Security-Policy. */
    public static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";

    void install(@Observes Router router) {
        router.route().order(RequestGuard.ORDER - 1).handler(this::handle);
    }

    void handle(RoutingContext ctx) {
        String path = ctx.request().path();
        ctx.addHeadersEndHandler(v -> {
            MultiMap headers = ctx.response().headers();
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("X-Frame-Options", "DENY");
            headers.set("Referrer-Policy", "no-referrer");
            if (path == null || !path.startsWith("/q/")) {
                headers.set("Content-Security-Policy", POLICY);
            }
        });
        ctx.next();
    }
}
