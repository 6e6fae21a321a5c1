package io.milepost.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/** A delivery as the API shows it: where it stands and what its last attempt came to. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryView(long id, String webhookId, String endpointId, String type, String userId, String subject,
                           String status, int attempts, Instant nextAttemptAt, Integer lastStatusCode,
                           String lastError, Integer lastDurationMs, Instant lastAttemptAt, Instant deliveredAt,
                           Instant createdAt, List<AttemptView> attemptLog) {

    static DeliveryView of(Delivery d, List<AttemptView> attempts) {
        return new DeliveryView(d.id, d.webhookId, d.endpointId, d.type, d.userId, d.subject, d.status, d.attempts,
                d.nextAttemptAt, d.lastStatusCode, d.lastError, d.lastDurationMs, d.lastAttemptAt, d.deliveredAt,
                d.createdAt, attempts);
    }

    /** One attempt: its number, when it started, the answer's status code or the error, how long it took. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AttemptView(int attempt, Instant startedAt, Integer statusCode, String error, int durationMs) {
    }

    /** A page of deliveries, newest first; {@code nextCursor} fetches the next. */
    public record Page(List<DeliveryView> deliveries, String nextCursor) {
    }
}
