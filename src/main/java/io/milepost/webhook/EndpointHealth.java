package io.milepost.webhook;

import io.milepost.webhook.DeliveryQueue.StatRow;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.TreeMap;

/**
 * How an endpoint is doing, from the per-minute attempt statistics of the last day, its pending
 * deliveries and its last failed attempt. Percentiles come from latency buckets ({@link Latency}),
 * within 9% of the exact figure.
 */
@ApplicationScoped
public class EndpointHealth {
    private final EntityManager em;
    private final DeliveryQueue queue;
    private final Clock clock;

    public EndpointHealth(EntityManager em, DeliveryQueue queue, Clock clock) {
        this.em = em;
        this.queue = queue;
        this.clock = clock;
    }

    /** Attempts by outcome in a period: delivered, retried later, or failed for good. */
    public record Counts(long delivered, long failed, long retrying) {
        long total() {
            return delivered + failed + retrying;
        }
    }

    /** The endpoint's last failed attempt: when, the status it answered (null: no answer), and the error. */
    public record LastError(Instant at, Integer status, String message) {}

    /** The health block of an endpoint as the API shows it. */
    public record Health(
            Counts lastHour,
            Counts lastDay,
            Double successRate,
            Long latencyP50Ms,
            Long latencyP99Ms,
            long waiting,
            Instant oldestWaitingAt,
            LastError lastError) {
        static final Health NEW = new Health(new Counts(0, 0, 0), new Counts(0, 0, 0), null, null, null, 0, null, null);
    }

    @Transactional
    public Health of(WebhookEndpoint e) {
        // minutes are counted whole: "the last hour" is the 60 minutes up to the current one
        Instant minute = clock.instant().truncatedTo(ChronoUnit.MINUTES);
        Instant hourAgo = minute.minus(Duration.ofMinutes(59));
        Instant dayAgo = minute.minus(Duration.ofDays(1)).plus(Duration.ofMinutes(1));
        List<StatRow> stats = Jdbc.call(em, c -> queue.stats(c, e.id, dayAgo));
        DeliveryQueue.Waiting waiting = Jdbc.call(em, c -> queue.waiting(c, e.id));
        long hourDelivered = 0, hourFailed = 0, hourRetrying = 0, dayDelivered = 0, dayFailed = 0, dayRetrying = 0;
        TreeMap<Integer, Long> buckets = new TreeMap<>();
        for (StatRow s : stats) {
            boolean lastHour = !s.minute().isBefore(hourAgo);
            switch (s.outcome()) {
                case Dispatcher.DELIVERED -> {
                    dayDelivered += s.attempts();
                    hourDelivered += lastHour ? s.attempts() : 0;
                }
                case Dispatcher.FAILED -> {
                    dayFailed += s.attempts();
                    hourFailed += lastHour ? s.attempts() : 0;
                }
                default -> {
                    dayRetrying += s.attempts();
                    hourRetrying += lastHour ? s.attempts() : 0;
                }
            }
            buckets.merge(s.latencyBucket(), (long) s.attempts(), Long::sum);
        }
        Counts day = new Counts(dayDelivered, dayFailed, dayRetrying);
        Double rate = day.total() == 0 ? null : Math.round(10_000.0 * day.delivered() / day.total()) / 10_000.0;
        LastError last = e.lastErrorAt == null ? null : new LastError(e.lastErrorAt, e.lastErrorStatus, e.lastError);
        return new Health(
                new Counts(hourDelivered, hourFailed, hourRetrying),
                day,
                rate,
                percentile(buckets, day.total(), 0.50),
                percentile(buckets, day.total(), 0.99),
                waiting.count(),
                waiting.oldestCreatedAt(),
                last);
    }

    /** The upper bound of the bucket holding the {@code q}-th attempt by duration; null without attempts. */
    static Long percentile(TreeMap<Integer, Long> buckets, long total, double q) {
        if (total == 0) {
            return null;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (var b : buckets.entrySet()) {
            seen += b.getValue();
            if (seen >= rank) {
                return Latency.upperMs(b.getKey());
            }
        }
        return Latency.upperMs(buckets.lastKey());
    }
}
