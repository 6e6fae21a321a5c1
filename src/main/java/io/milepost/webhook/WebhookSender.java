package io.milepost.webhook;

import io.milepost.config.MilepostConfig;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends one attempt of a delivery: checks the endpoint's address again (see {@link AddressGuard}),
 * connects to exactly that address, signs the body (Standard Webhooks) and posts it with the
 * configured timeout. Redirects are not followed. Never throws: every outcome is a {@link Result}.
 */
@ApplicationScoped
public class WebhookSender {
    static final String USER_AGENT = "Milepost-Webhooks/1";
    private static final int MAX_ERROR_BODY = 300;

    private final Vertx vertx;
    private final Clock clock;
    private final AddressGuard guard;
    private final long timeoutMs;
    private final HttpClient client;

    public WebhookSender(Vertx vertx, Clock clock, MilepostConfig config, AddressGuard guard) {
        this.vertx = vertx;
        this.clock = clock;
        this.guard = guard;
        this.timeoutMs = config.webhooks().timeout().toMillis();
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setName("milepost-webhooks")
                .setMaxPoolSize(Math.max(1, config.webhooks().concurrency()))
                .setKeepAlive(true)
                .setForceSni(true)
                .setVerifyHost(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs)));
    }

    /** One attempt to make: which delivery, its attempt number and how many it has left (this one included), where to, and what. */
    public record Attempt(
            long deliveryId,
            int attempt,
            int attemptsLeft,
            String endpointId,
            String webhookId,
            String url,
            List<String> secrets,
            byte[] body) {}

    /** What an attempt came to: a status code, or an error for attempts that got no answer. */
    public record Result(
            Attempt attempt, Instant startedAt, Integer statusCode, String error, Duration retryAfter, int durationMs) {
        public boolean delivered() {
            return statusCode != null && statusCode >= 200 && statusCode < 300;
        }

        public boolean gone() {
            return statusCode != null && statusCode == 410;
        }
    }

    public CompletionStage<Result> send(Attempt attempt) {
        Instant startedAt = clock.instant();
        long started = System.nanoTime();
        AddressGuard.Target target;
        try {
            target = guard.resolve(attempt.url());
        } catch (AddressGuard.Refused e) {
            return CompletableFuture.completedFuture(
                    new Result(attempt, startedAt, null, "refused: " + e.getMessage(), null, elapsedMs(started)));
        }
        long timestamp = startedAt.getEpochSecond();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.tls())
                .setURI(target.pathAndQuery())
                .setServer(SocketAddress.inetSocketAddress(
                        target.port(), target.address().getHostAddress()))
                .setFollowRedirects(false)
                .setConnectTimeout(timeoutMs)
                .setIdleTimeout(timeoutMs)
                .putHeader("content-type", "application/json")
                .putHeader("user-agent", USER_AGENT)
                .putHeader("webhook-id", attempt.webhookId())
                .putHeader("webhook-timestamp", Long.toString(timestamp))
                .putHeader(
                        "webhook-signature",
                        WebhookSignature.header(attempt.secrets(), attempt.webhookId(), timestamp, attempt.body()));
        CompletableFuture<Result> outcome = new CompletableFuture<>();
        client.request(options).onComplete(requested -> {
            if (requested.failed()) {
                outcome.complete(failure(attempt, startedAt, started, requested.cause()));
                return;
            }
            HttpClientRequest request = requested.result();
            // the whole attempt, not only each read, is bounded by the timeout
            AtomicBoolean timedOut = new AtomicBoolean();
            long timer = vertx.setTimer(timeoutMs, id -> {
                timedOut.set(true);
                request.reset(0, new TimeoutException("timed out"));
            });
            request.send(Buffer.buffer(attempt.body())).onComplete(answered -> {
                if (answered.failed()) {
                    vertx.cancelTimer(timer);
                    outcome.complete(failure(
                            attempt, startedAt, started, timedOut.get() ? new TimeoutException() : answered.cause()));
                    return;
                }
                HttpClientResponse response = answered.result();
                Buffer head = Buffer.buffer();
                response.handler(chunk -> {
                    if (head.length() < MAX_ERROR_BODY) {
                        head.appendBuffer(chunk, 0, Math.min(chunk.length(), MAX_ERROR_BODY - head.length()));
                    }
                });
                response.end().onComplete(ended -> {
                    vertx.cancelTimer(timer);
                    if (ended.failed()) {
                        outcome.complete(failure(
                                attempt, startedAt, started, timedOut.get() ? new TimeoutException() : ended.cause()));
                        return;
                    }
                    int status = response.statusCode();
                    String error = status >= 200 && status < 300 ? null : describe(response, head);
                    Duration retryAfter = status == 429 || status == 503
                            ? RetryPolicy.retryAfter(response.getHeader("retry-after"), clock.instant())
                            : null;
                    outcome.complete(new Result(attempt, startedAt, status, error, retryAfter, elapsedMs(started)));
                });
            });
        });
        return outcome;
    }

    @PreDestroy
    void close() {
        client.close();
    }

    private Result failure(Attempt attempt, Instant startedAt, long started, Throwable cause) {
        String message;
        if (isTimeout(cause)) {
            message = "timed out after " + timeoutMs + " ms";
        } else if (cause instanceof java.net.ConnectException) {
            message = "could not connect: " + cause.getMessage();
        } else {
            message = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        }
        return new Result(attempt, startedAt, null, truncate(message), null, elapsedMs(started));
    }

    private static String describe(HttpClientResponse response, Buffer head) {
        int status = response.statusCode();
        StringBuilder s = new StringBuilder("HTTP ").append(status);
        if (status >= 300 && status < 400 && response.getHeader("location") != null) {
            s.append(" redirect to ").append(response.getHeader("location")).append(" not followed");
        }
        String body = head.toString(StandardCharsets.UTF_8).strip();
        if (!body.isEmpty()) {
            s.append(": ").append(body);
        }
        return truncate(s.toString());
    }

    /**
     * An error as the delivery keeps it: at most 1,000 characters, cut between characters (not
     * inside a surrogate pair), and with any NUL replaced by U+FFFD, since PostgreSQL refuses NUL in
     * text and the receiver's answer is copied in as it came. One unstorable error would otherwise
     * fail the record of every outcome in its cycle, again and again.
     */
    static String truncate(String s) {
        String text = s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
        if (text.length() <= 1000) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(996)) ? 996 : 997;
        return text.substring(0, end) + "...";
    }

    private static int elapsedMs(long startedNanos) {
        return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
    }

    private static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException
                    || c instanceof ConnectTimeoutException
                    || c.getClass().getSimpleName().contains("Timeout")) {
                return true;
            }
        }
        return false;
    }
}
