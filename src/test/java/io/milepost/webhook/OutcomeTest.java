package io.milepost.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The outcome decision, branch by branch, without a receiver or a database. */
class OutcomeTest {
    static final Instant NOW = Instant.parse("2026-11-02T10:00:00Z");
    static final RetryPolicy SCHEDULE = RetryPolicy.parse("5s,5m,30m");

    @Test
    void shouldCallEvery2xxDelivered() {
        for (int status : new int[] {200, 201, 204, 299}) {
            assertInstanceOf(Outcome.Delivered.class, decide(status, null, 1, 4, 0));
        }
        assertInstanceOf(Outcome.Delivered.class, decide(200, null, 4, 1, 0), "even on the last attempt");
    }

    @Test
    void shouldRetryARedirectOnTheSchedule() {
        assertEquals(new Outcome.RetryAt(NOW.plusSeconds(5)), decide(301, null, 1, 4, 0));
        assertEquals(new Outcome.RetryAt(NOW.plus(Duration.ofMinutes(5))), decide(302, null, 2, 3, 0));
    }

    @Test
    void shouldFailAndDisableOn410() {
        Outcome o = decide(410, null, 1, 4, 0);
        assertEquals(new Outcome.Disable(Outcome.GONE), o);
        assertInstanceOf(Outcome.Disable.class, decide(410, null, 4, 1, 0), "also on the last attempt");
    }

    @Test
    void shouldWaitForRetryAfterOn429And503WhenLongerThanTheSchedule() {
        assertEquals(new Outcome.RetryAt(NOW.plusSeconds(120)), decide(429, Duration.ofSeconds(120), 1, 4, 0));
        assertEquals(new Outcome.RetryAt(NOW.plusSeconds(120)), decide(503, Duration.ofSeconds(120), 1, 4, 0));
        // shorter than the schedule: the schedule wins
        assertEquals(new Outcome.RetryAt(NOW.plus(Duration.ofMinutes(5))), decide(503, Duration.ofSeconds(1), 2, 3, 0));
        // at most a day
        assertEquals(new Outcome.RetryAt(NOW.plus(Duration.ofDays(1))), decide(429, Duration.ofDays(3), 1, 4, 0));
    }

    @Test
    void shouldRetry429And503WithoutRetryAfterOnTheSchedule() {
        assertEquals(new Outcome.RetryAt(NOW.plusSeconds(5)), decide(429, null, 1, 4, 0));
        assertEquals(new Outcome.RetryAt(NOW.plus(Duration.ofMinutes(30))), decide(503, null, 3, 2, 0));
    }

    @Test
    void shouldRetryATimeoutOrRefusedConnectionOnTheScheduleWithJitter() {
        assertEquals(new Outcome.RetryAt(NOW.plusSeconds(5)), decide(null, null, 1, 4, 0));
        // the jitter stretches the wait by up to 20%
        assertEquals(new Outcome.RetryAt(NOW.plusSeconds(5).plusMillis(500)), decide(null, null, 1, 4, 0.5));
        assertEquals(new Outcome.RetryAt(NOW.plus(Duration.ofMinutes(36))), decide(null, null, 3, 2, 1.0));
    }

    @Test
    void shouldFailOnTheLastAttempt() {
        assertInstanceOf(Outcome.Failed.class, decide(500, null, 4, 1, 0));
        assertInstanceOf(Outcome.Failed.class, decide(null, null, 4, 1, 0), "a timeout on the last attempt");
        assertInstanceOf(Outcome.Failed.class, decide(429, Duration.ofSeconds(10), 4, 1, 0), "Retry-After or not");
        assertInstanceOf(Outcome.RetryAt.class, decide(500, null, 3, 2, 0), "one before the last is retried");
    }

    @Test
    void shouldDisableOnlyAfterFailingForTheWholePeriod() {
        Duration fiveDays = Duration.ofDays(5);
        assertFalse(Outcome.failedTooLong(null, NOW, fiveDays), "not failing");
        assertFalse(Outcome.failedTooLong(NOW.minus(fiveDays).plusSeconds(1), NOW, fiveDays));
        assertTrue(Outcome.failedTooLong(NOW.minus(fiveDays), NOW, fiveDays));
    }

    private static Outcome decide(Integer status, Duration retryAfter, int attempt, int attemptsLeft, double jitter) {
        WebhookSender.Attempt a = new WebhookSender.Attempt(
                1, attempt, attemptsLeft, "ep_1", "msg_1", "https://example.com", List.of("whsec_x"), new byte[0]);
        WebhookSender.Result r = new WebhookSender.Result(
                a, NOW.minusMillis(30), status, status == null ? "timed out after 10000 ms" : null, retryAfter, 30);
        return Outcome.of(r, NOW, SCHEDULE, jitter);
    }
}
