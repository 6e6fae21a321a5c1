package io.milepost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.milepost.engine.EventHistory;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ActivityCodecTest {

    @Test
    void shouldReadBackExactlyWhatItWrote() {
        Map<String, EventHistory> before = new TreeMap<>();
        EventHistory search = before.computeIfAbsent("search_performed", EventHistory::new);
        search.record(Instant.parse("2026-01-05T10:00:00Z"));
        search.record(Instant.parse("2026-01-05T09:00:00.123456Z"));
        search.record(Instant.parse("2026-01-07T23:59:59Z"));
        before.computeIfAbsent("list \"quoted\" name", EventHistory::new).record(Instant.parse("2026-02-01T00:00:00Z"));

        String json = ActivityCodec.write(before);
        Map<String, EventHistory> after = new TreeMap<>();
        ActivityCodec.read(json, e -> after.computeIfAbsent(e, EventHistory::new));

        assertEquals(before.keySet(), after.keySet());
        EventHistory s = after.get("search_performed");
        assertEquals(3, s.total());
        assertEquals(Map.of(LocalDate.parse("2026-01-05"), 2, LocalDate.parse("2026-01-07"), 1), s.countsView());
        assertEquals(Instant.parse("2026-01-05T09:00:00.123456Z"), s.firstAt());
        assertEquals(Instant.parse("2026-01-07T23:59:59Z"), s.lastAt());
        assertEquals(Instant.parse("2026-01-05T10:00:00Z"), s.day(LocalDate.parse("2026-01-05")).lastAt());
        assertEquals(json, ActivityCodec.write(after));
    }

    @Test
    void shouldRefuseADamagedDocumentLoudly() {
        assertThrows(IllegalStateException.class, () -> ActivityCodec.read("{\"x\":[[\"2026-01-05\",\"many\"]]}", EventHistory::new));
    }
}
