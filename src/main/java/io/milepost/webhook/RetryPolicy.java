package io.milepost.webhook;

import io.milepost.common.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a delivery again. The schedule ({@code milepost.webhooks.retry-schedule}) lists the
 * waits after the first, second, ... failed attempt; a delivery gets one attempt more than the
 * schedule has entries. Each wait is stretched by a random 0-20% so that the retries of many
 * messages that failed together (a receiver outage) do not arrive together. A receiver that
 * answers 429 or 503 with {@code Retry-After} is waited for as long as it asks (at most a day),
 * never less.
 */
public final class RetryPolicy {
    static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);
    private static final double JITTER = 0.2;

    private final List<Duration> waits;

    public RetryPolicy(List<Duration> waits) {
        this.waits = List.copyOf(waits);
    }

    /** Parses {@code 5s,5m,30m,2h}; an empty schedule means one attempt and no retries. */
    public static RetryPolicy parse(String schedule) {
        List<Duration> waits = new ArrayList<>();
        for (String part : schedule.split(",")) {
            if (!part.isBlank()) {
                waits.add(Durations.parse(part.trim()));
            }
        }
        return new RetryPolicy(waits);
    }

    /** Attempts a delivery gets in all. */
    public int attempts() {
        return waits.size() + 1;
    }

    /**
     * The wait after the {@code failedAttempts}-th failure of the schedule, with jitter, or the
     * receiver's {@code Retry-After} if that is longer.
     */
    public Duration waitAfter(int failedAttempts, Duration retryAfter) {
        return waitAfter(failedAttempts, retryAfter, ThreadLocalRandom.current().nextDouble());
    }

    /** As {@link #waitAfter(int, Duration)}, with the jitter given: {@code jitter} in [0, 1) of the 20% stretch. */
    public Duration waitAfter(int failedAttempts, Duration retryAfter, double jitter) {
        Duration scheduled =
                waits.isEmpty() ? Duration.ZERO : waits.get(Math.min(Math.max(failedAttempts, 1), waits.size()) - 1);
        long ms = scheduled.toMillis();
        Duration jittered = Duration.ofMillis(ms + (long) (ms * JITTER * jitter));
        if (retryAfter != null && retryAfter.compareTo(jittered) > 0) {
            return retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
        }
        return jittered;
    }

    /** Reads a {@code Retry-After} header: seconds, or an HTTP date; null if absent or unreadable. */
    public static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 ? null : Duration.ofSeconds(Math.min(seconds, MAX_RETRY_AFTER.toSeconds()));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration d = Duration.between(now, at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }
}
