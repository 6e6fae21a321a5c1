package io.milepost.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.ErrorBody;
import io.milepost.config.MilepostConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Reads every request body on the event loop before any resource runs, so that waiting for a
 * client's bytes never holds a worker thread and no body larger than its limit is ever buffered:
 * a {@code Content-Length} over the limit is refused with 413 before a byte is read, a chunked body
 * with 413 as soon as it passes the limit, and a body that stalls (or takes too long altogether)
 * with 408. Resources then read the complete body from memory. Also refuses over-long URLs (414).
 */
@ApplicationScoped
public class RequestGuard {
    private static final Logger LOG = Logger.getLogger(RequestGuard.class);
    /** Before Quarkus' own upload limit (-2) and every resource route. */
    static final int ORDER = -10;
    /** How long the rest of a refused body is read and dropped before the connection closes. */
    static final long LINGER_MILLIS = 500;

    static final Set<String> SINGLE_EVENT = io.milepost.http.IngestPaths.SINGLE;
    static final Set<String> BATCH = io.milepost.http.IngestPaths.BATCH;

    private final MilepostConfig.Ingest ingest;
    private final MilepostConfig.Http http;
    private final ObjectMapper mapper;

    public RequestGuard(MilepostConfig config, ObjectMapper mapper) {
        this.ingest = config.ingest();
        this.http = config.http();
        this.mapper = mapper;
    }

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::handle);
    }

    /** The most bytes a body sent to {@code path} may have. */
    long limitFor(String path) {
        if (path != null && SINGLE_EVENT.contains(path)) {
            return ingest.maxEventBytes();
        }
        if (path != null && BATCH.contains(path)) {
            return ingest.maxBatchBytes();
        }
        return http.maxAdminBody();
    }

    void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.uri().length() > http.maxUrlLength()) {
            refuse(
                    ctx,
                    414,
                    "uri_too_long",
                    "the URL is " + request.uri().length() + " characters; at most " + http.maxUrlLength()
                            + " are accepted",
                    true);
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        boolean chunked = request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
        if (ctx.body().buffer() != null || !chunked && (length == null || "0".equals(length.trim()))) {
            ctx.next();
            return;
        }
        long limit = limitFor(request.path());
        long announced = -1;
        if (length != null) {
            try {
                announced = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                refuse(ctx, 400, "invalid_request", "the Content-Length header is not a number", true);
                return;
            }
            if (announced > limit) {
                refuse(
                        ctx,
                        413,
                        "payload_too_large",
                        "the body is " + announced + " bytes; at most " + limit + " bytes are accepted here",
                        true);
                return;
            }
        }
        new BodyReader(ctx, limit, announced).start();
    }

    /** Collects one request's body, with its limit and its timers. */
    private final class BodyReader {
        private final RoutingContext ctx;
        private final long limit;
        private final Buffer body;
        private final Vertx vertx;
        private final long started = System.nanoTime();
        private long idleTimer = -1;
        private long totalTimer = -1;
        private boolean finished;

        BodyReader(RoutingContext ctx, long limit, long announced) {
            this.ctx = ctx;
            this.limit = limit;
            this.body = Buffer.buffer((int) Math.min(announced > 0 ? announced : 1024, limit));
            this.vertx = ctx.vertx();
        }

        void start() {
            HttpServerRequest request = ctx.request();
            request.handler(chunk -> {
                if (finished) {
                    return;
                }
                if (body.length() + (long) chunk.length() > limit) {
                    finish();
                    refuse(
                            ctx,
                            413,
                            "payload_too_large",
                            "the body passed " + limit + " bytes, the most accepted here",
                            true);
                    return;
                }
                body.appendBuffer(chunk);
                armIdle();
            });
            request.endHandler(v -> {
                if (finished) {
                    return;
                }
                finish();
                ctx.setBody(body);
                ctx.next();
            });
            request.exceptionHandler(e -> finish());
            armIdle();
            totalTimer = vertx.setTimer(
                    http.bodyTimeout().toMillis(),
                    id -> timeOut(
                            "the body took longer than " + http.bodyTimeout().toSeconds() + " s to arrive"));
            request.resume();
        }

        private void armIdle() {
            if (idleTimer >= 0) {
                vertx.cancelTimer(idleTimer);
            }
            idleTimer = vertx.setTimer(
                    http.bodyStallTimeout().toMillis(),
                    id -> timeOut("no part of the body arrived for "
                            + http.bodyStallTimeout().toSeconds() + " s"));
        }

        private void timeOut(String message) {
            if (finished) {
                return;
            }
            finish();
            LOG.debugf("408 after %d ms: %s", (System.nanoTime() - started) / 1_000_000, message);
            refuse(ctx, 408, "request_timeout", message, true);
        }

        private void finish() {
            finished = true;
            vertx.cancelTimer(idleTimer);
            vertx.cancelTimer(totalTimer);
        }
    }

    /**
     * Answers in the API's error shape. With {@code close}, the connection is closed once the answer
     * is written: the rest of the body is never read.
     */
    void refuse(RoutingContext ctx, int status, String code, String message, boolean close) {
        var response = ctx.response();
        if (response.headWritten() || response.ended()) {
            ctx.request().connection().close();
            return;
        }
        String json;
        try {
            json = mapper.writeValueAsString(new ErrorBody(code, message, List.of()));
        } catch (Exception e) {
            json = "{\"error\":\"" + code + "\",\"message\":\"\",\"details\":[]}";
        }
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        if (close) {
            // The rest of the body is read and dropped for a moment before the connection closes:
            // closing with unread bytes makes the kernel reset the connection, and the client may
            // then lose this answer before reading it.
            HttpServerRequest request = ctx.request();
            response.putHeader(HttpHeaders.CONNECTION, "close");
            response.endHandler(v -> ctx.vertx()
                    .setTimer(LINGER_MILLIS, id -> request.connection().close()));
            request.handler(ignored -> {});
            request.resume();
        }
        response.end(json);
    }
}
