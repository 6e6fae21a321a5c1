package io.milepost.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.ErrorBody;
import io.milepost.config.MilepostConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * CORS for the ingestion endpoints only, so that Segment's browser library on a page of another
 * origin can post to Milepost: origins listed in {@code milepost.ingest.allowed-origins} (or any, with
 * {@code *}) get {@code Access-Control-Allow-Origin} on every answer, errors included, and their
 * preflights are answered here (POST, with {@code Content-Type} and {@code Authorization}). The
 * library itself sends JSON as {@code text/plain} with the write key in the body, which needs no
 * preflight. Admin endpoints never answer other origins: the dashboard is served from Milepost itself.
 */
@ApplicationScoped
public class IngestCors {
    /** Before the request guard (-10), so a preflight is answered before any body or key is asked for. */
    static final int ORDER = -20;

    static final String ALLOWED_HEADERS = "Content-Type, Authorization";

    private final Set<String> origins;
    private final boolean any;
    private final ObjectMapper mapper;

    public IngestCors(MilepostConfig config, ObjectMapper mapper) {
        List<String> configured = config.ingest().allowedOrigins().orElse(List.of());
        this.any = configured.stream().anyMatch(o -> o.trim().equals("*"));
        this.origins = configured.stream()
                .map(IngestCors::normalise)
                .filter(o -> !o.isEmpty() && !o.equals("*"))
                .collect(Collectors.toUnmodifiableSet());
        this.mapper = mapper;
    }

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::handle);
    }

    private static String normalise(String origin) {
        String o = origin.trim().toLowerCase();
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    boolean allowed(String origin) {
        return origin != null && (any || origins.contains(normalise(origin)));
    }

    void handle(RoutingContext ctx) {
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (origin == null || !IngestPaths.ALL.contains(ctx.request().path())) {
            ctx.next();
            return;
        }
        var response = ctx.response();
        boolean preflight = ctx.request().method() == HttpMethod.OPTIONS
                && ctx.request().getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) != null;
        if (!allowed(origin)) {
            if (preflight) {
                String json;
                try {
                    json = mapper.writeValueAsString(new ErrorBody(
                            "forbidden",
                            "this origin may not post events from a "
                                    + "browser; list it in milepost.ingest.allowed-origins",
                            List.of()));
                } catch (Exception e) {
                    json = "{\"error\":\"forbidden\",\"message\":\"origin not allowed\",\"details\":[]}";
                }
                response.setStatusCode(403)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader(HttpHeaders.VARY, "Origin")
                        .end(json);
                return;
            }
            ctx.next();
            return;
        }
        response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin).putHeader(HttpHeaders.VARY, "Origin");
        if (preflight) {
            response.setStatusCode(204)
                    .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS")
                    .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS)
                    .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, "86400")
                    .end();
            return;
        }
        ctx.next();
    }
}
