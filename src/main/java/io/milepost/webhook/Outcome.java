package io.milepost.webhook;

import java.time.Duration;
import java.time.Instant;

/**
 * What one attempt's result means for its delivery. {@link #of} is a pure function of the result,
 * the time it is recorded, the retry schedule and a jitter draw, so every branch is tested without
 * a receiver or a database.
 */
public sealed interface Outcome {
    /** A 2xx answer: the delivery is done. */
    record Delivered() implements Outcome {}

    /** Not delivered; attempts are left: try again at {@code at}. */
    record RetryAt(Instant at) implements Outcome {}

    /** Not delivered and no attempt left: the delivery is {@code failed}. */
    record Failed() implements Outcome {}

    /** The receiver answered 410 Gone: the delivery fails and its endpoint is disabled for {@code reason}. */
    record Disable(String reason) implements Outcome {}

    String GONE = "the endpoint answered 410 Gone";

    /**
     * Decides: any 2xx is delivered; 410 disables the endpoint; the last attempt fails; anything
     * else (3xx, which is not followed, 4xx, 5xx, a timeout or a refused connection) is retried
     * after the schedule's wait for this attempt (stretched by {@code jitter} in [0, 1)), or after
     * the {@code Retry-After} of a 429 or 503 when that is longer.
     */
    static Outcome of(WebhookSender.Result result, Instant now, RetryPolicy schedule, double jitter) {
        Integer status = result.statusCode();
        if (status != null && status >= 200 && status < 300) {
            return new Delivered();
        }
        if (status != null && status == 410) {
            return new Disable(GONE);
        }
        if (result.attempt().attemptsLeft() <= 1) {
            return new Failed();
        }
        Duration wait = schedule.waitAfter(result.attempt().attempt(), result.retryAfter(), jitter);
        return new RetryAt(now.plus(wait));
    }

    /** Whether an endpoint whose attempts have all failed since {@code failingSince} has failed long enough to be disabled. */
    static boolean failedTooLong(Instant failingSince, Instant now, Duration disableAfter) {
        return failingSince != null && !now.isBefore(failingSince.plus(disableAfter));
    }
}
