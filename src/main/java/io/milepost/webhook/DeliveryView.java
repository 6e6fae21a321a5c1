package io.milepost.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/** A delivery as the API shows it: where it stands and what its last attempt came to. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryView(
        long id,
        String webhookId,
        String endpointId,
        String type,
        String userId,
        String subject,
        String status,
        int attempts,
        Instant nextAttemptAt,
        Integer lastStatusCode,
        String lastError,
        Integer lastDurationMs,
        Instant lastAttemptAt,
        Instant deliveredAt,
        Instant createdAt,
        List<AttemptView> attemptLog) {

    static DeliveryView of(Delivery d, List<AttemptView> attempts) {
        return new DeliveryView(
                d.id,
                d.webhookId,
                d.endpointId,
                d.type,
                d.userId,
                d.subject,
                d.status,
                d.attempts,
                d.nextAttemptAt,
                d.lastStatusCode,
                d.lastError,
                d.lastDurationMs,
                d.lastAttemptAt,
                d.deliveredAt,
                d.createdAt,
                attempts);
    }

    /** One attempt: its number, when it started, the answer's status code or the error, how long it took. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AttemptView(int attempt, Instant startedAt, Integer statusCode, String error, int durationMs) {}

    /**
     * One delivery with its attempt log ({@code GET /v1/deliveries/{id}}): {@code attempts} lists every
     * attempt, oldest first; {@code attemptCount} is their number ({@code attempts} in the list view);
     * {@code attemptLog} is the same log in its earlier shape.
     */
    public record Detail(
            long id,
            String webhookId,
            String endpointId,
            String type,
            String userId,
            String subject,
            String status,
            int attemptCount,
            Instant nextAttemptAt,
            Integer lastStatusCode,
            String lastError,
            Integer lastDurationMs,
            Instant lastAttemptAt,
            Instant deliveredAt,
            Instant createdAt,
            List<Attempt> attempts,
            List<AttemptView> attemptLog) {
        static Detail of(Delivery d, List<AttemptView> log) {
            return new Detail(
                    d.id,
                    d.webhookId,
                    d.endpointId,
                    d.type,
                    d.userId,
                    d.subject,
                    d.status,
                    d.attempts,
                    d.nextAttemptAt,
                    d.lastStatusCode,
                    d.lastError,
                    d.lastDurationMs,
                    d.lastAttemptAt,
                    d.deliveredAt,
                    d.createdAt,
                    log.stream()
                            .map(a ->
                                    new Attempt(a.attempt(), a.startedAt(), a.statusCode(), a.durationMs(), a.error()))
                            .toList(),
                    log);
        }
    }

    /** One attempt: its number, when it started, the status answered (null: none), how long it took, the error (null: delivered). */
    public record Attempt(int attempt, Instant at, Integer status, int durationMs, String error) {}

    /** A page of deliveries, newest first; {@code nextCursor} fetches the next. */
    public record Page(List<DeliveryView> deliveries, String nextCursor) {}
}
