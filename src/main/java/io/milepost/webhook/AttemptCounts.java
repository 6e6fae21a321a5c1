package io.milepost.webhook;

import io.milepost.webhook.DeliveryQueue.StatRow;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Attempt statistics counted by this instance and not yet written. The delivery loop writes them
 * at most once every {@link #EVERY}: each write adds the statistics table's pages to its cycle's
 * commit, which on H2 is a file write. An instance that dies loses at most that much of its
 * statistics (never a delivery). Counts are added only after the transaction that recorded their
 * attempts committed, and taken away only after the one that wrote them did.
 */
final class AttemptCounts {
    static final Duration EVERY = Duration.ofSeconds(1);
    private static final Comparator<StatRow> KEY_ORDER = Comparator.comparing(StatRow::endpointId)
            .thenComparing(StatRow::minute)
            .thenComparing(StatRow::outcome)
            .thenComparingInt(StatRow::latencyBucket);

    private final Map<StatRow, Integer> pending = new TreeMap<>(KEY_ORDER);
    private Instant lastWrite = Instant.MIN;

    /** Counts of attempts whose outcomes were committed. */
    synchronized void add(List<StatRow> rows) {
        rows.forEach(r -> pending.merge(key(r), r.attempts(), Integer::sum));
    }

    synchronized boolean isEmpty() {
        return pending.isEmpty();
    }

    /** What to write now: everything pending if {@code force} or the last write was {@link #EVERY} ago, else nothing. */
    synchronized List<StatRow> due(Instant now, boolean force) {
        if (pending.isEmpty() || (!force && now.isBefore(lastWrite.plus(EVERY)))) {
            return List.of();
        }
        return pending.entrySet().stream()
                .map(e -> withAttempts(e.getKey(), e.getValue()))
                .toList();
    }

    /** These rows were committed: they are no longer pending. */
    synchronized void written(List<StatRow> rows, Instant now) {
        if (rows.isEmpty()) {
            return;
        }
        rows.forEach(r -> pending.computeIfPresent(key(r), (k, n) -> n - r.attempts() == 0 ? null : n - r.attempts()));
        lastWrite = now;
    }

    /** Rows of both lists, added up by key, sorted by key (so instances never deadlock on them). */
    static List<StatRow> merge(List<StatRow> a, List<StatRow> b) {
        Map<StatRow, Integer> sum = new TreeMap<>(KEY_ORDER);
        a.forEach(r -> sum.merge(key(r), r.attempts(), Integer::sum));
        b.forEach(r -> sum.merge(key(r), r.attempts(), Integer::sum));
        return sum.entrySet().stream()
                .map(e -> withAttempts(e.getKey(), e.getValue()))
                .toList();
    }

    private static StatRow key(StatRow r) {
        return withAttempts(r, 0);
    }

    private static StatRow withAttempts(StatRow r, int attempts) {
        return new StatRow(r.endpointId(), r.minute(), r.outcome(), r.latencyBucket(), attempts);
    }
}
