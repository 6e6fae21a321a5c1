package io.milepost.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.milepost.webhook.DeliveryQueue.StatRow;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttemptCountsTest {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    static final Instant MINUTE = Instant.parse("2026-12-07T09:59:00Z");

    static StatRow row(String endpoint, String outcome, int bucket, int attempts) {
        return new StatRow(endpoint, MINUTE, outcome, bucket, attempts);
    }

    @Test
    void shouldHoldCountsUntilASecondHasPassedSinceTheLastWriteUnlessForced() {
        AttemptCounts counts = new AttemptCounts();
        counts.add(List.of(row("ep_a", "delivered", 3, 2)));
        List<StatRow> first = counts.due(T0, false);
        assertEquals(List.of(row("ep_a", "delivered", 3, 2)), first, "nothing was written yet: due at once");
        counts.written(first, T0);

        counts.add(List.of(row("ep_a", "delivered", 3, 5)));
        assertEquals(List.of(), counts.due(T0.plusMillis(999), false), "written less than a second ago");
        assertEquals(List.of(row("ep_a", "delivered", 3, 5)), counts.due(T0.plusMillis(999), true), "forced");
        assertEquals(List.of(row("ep_a", "delivered", 3, 5)), counts.due(T0.plusSeconds(1), false));
    }

    @Test
    void shouldAddUpByKeyAndTakeAwayOnlyWhatWasWritten() {
        AttemptCounts counts = new AttemptCounts();
        counts.add(List.of(row("ep_b", "failed", 0, 1), row("ep_a", "delivered", 3, 2)));
        counts.add(List.of(row("ep_a", "delivered", 3, 4)));
        List<StatRow> snapshot = counts.due(T0, true);
        assertEquals(
                List.of(row("ep_a", "delivered", 3, 6), row("ep_b", "failed", 0, 1)),
                snapshot,
                "summed per key, sorted by endpoint (the order every instance locks them in)");

        counts.add(List.of(row("ep_a", "delivered", 3, 1))); // recorded while the snapshot was being written
        counts.written(snapshot, T0);
        assertEquals(List.of(row("ep_a", "delivered", 3, 1)), counts.due(T0, true), "only the later attempt is left");
    }

    @Test
    void shouldKeepCountsWhoseWriteDidNotCommit() {
        AttemptCounts counts = new AttemptCounts();
        counts.add(List.of(row("ep_a", "retrying", 7, 3)));
        counts.due(T0, true); // the transaction that would have written them rolled back: written() is not called
        assertEquals(List.of(row("ep_a", "retrying", 7, 3)), counts.due(T0, true));
    }

    @Test
    void shouldMergeTwoListsByKey() {
        assertEquals(
                List.of(row("ep_a", "delivered", 1, 3), row("ep_a", "failed", 1, 1), row("ep_b", "delivered", 1, 1)),
                AttemptCounts.merge(
                        List.of(row("ep_b", "delivered", 1, 1), row("ep_a", "delivered", 1, 1)),
                        List.of(row("ep_a", "failed", 1, 1), row("ep_a", "delivered", 1, 2))));
    }
}
