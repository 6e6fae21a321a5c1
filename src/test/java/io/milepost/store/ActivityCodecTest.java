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
        assertEquals(
                Instant.parse("2026-01-05T10:00:00Z"),
                s.day(LocalDate.parse("2026-01-05")).lastAt());
        assertEquals(json, ActivityCodec.write(after));
    }

    @Test
    void shouldWriteDaysAsNumbers() {
        Map<String, EventHistory> activity = new TreeMap<>();
        EventHistory search = activity.computeIfAbsent("search_performed", EventHistory::new);
        search.record(Instant.parse("2025-11-21T10:00:00Z"));
        search.record(Instant.parse("2025-11-21T10:04:00.000001Z"));
        assertEquals("{\"search_performed\":[[20413,2,36000000000,36240000001]]}", ActivityCodec.write(activity));
    }

    @Test
    void shouldReadTheEarlierIsoFormAndRewriteItAsNumbers() {
        String iso = "{\"search_performed\":[[\"2025-11-21\",5,\"2025-11-21T10:00:00Z\",\"2025-11-21T10:04:00.5Z\"]],"
                + "\"list_created\":[[\"2025-11-22\",1,\"2025-11-22T00:00:00Z\",\"2025-11-22T00:00:00Z\"]]}";
        Map<String, EventHistory> read = new TreeMap<>();
        ActivityCodec.read(iso, e -> read.computeIfAbsent(e, EventHistory::new));

        assertEquals(5, read.get("search_performed").total());
        assertEquals(
                Instant.parse("2025-11-21T10:04:00.5Z"),
                read.get("search_performed").lastAt());
        assertEquals(
                Instant.parse("2025-11-22T00:00:00Z"), read.get("list_created").firstAt());
        assertEquals(
                "{\"list_created\":[[20414,1,0,0]],\"search_performed\":[[20413,5,36000000000,36240500000]]}",
                ActivityCodec.write(read));
    }

    @Test
    void shouldRefuseDaysWhoseTimesLeaveTheDay() {
        assertThrows(
                IllegalStateException.class,
                () -> ActivityCodec.read("{\"x\":[[20413,1,0,86400000000]]}", EventHistory::new));
        assertThrows(
                IllegalStateException.class, () -> ActivityCodec.read("{\"x\":[[20413,0,0,0]]}", EventHistory::new));
        assertThrows(
                IllegalStateException.class, () -> ActivityCodec.read("{\"x\":[[20413,1,5,4]]}", EventHistory::new));
    }

    @Test
    void shouldRefuseADamagedDocumentLoudly() {
        assertThrows(
                IllegalStateException.class,
                () -> ActivityCodec.read("{\"x\":[[\"2026-01-05\",\"many\"]]}", EventHistory::new));
    }

    @Test
    void shouldKeepTheTimesBetweenFirstAndLastSoWindowsCountExactlyAfterReading() {
        Map<String, EventHistory> activity = new TreeMap<>();
        EventHistory search = activity.computeIfAbsent("search_performed", EventHistory::new);
        for (String t : new String[] {
            "2025-11-21T10:04:00Z",
            "2025-11-21T10:00:00Z",
            "2025-11-21T10:01:00Z",
            "2025-11-21T10:03:00Z",
            "2025-11-21T10:02:00Z"
        }) {
            search.record(Instant.parse(t));
        }
        String json = ActivityCodec.write(activity);
        assertEquals(
                "{\"search_performed\":[[20413,5,36000000000,36240000000,36060000000,36120000000,36180000000]]}", json);

        Map<String, EventHistory> read = new TreeMap<>();
        ActivityCodec.read(json, e -> read.computeIfAbsent(e, EventHistory::new));
        assertEquals(3, read.get("search_performed").countUntil(Instant.parse("2025-11-21T10:02:30Z")));
        assertEquals(json, ActivityCodec.write(read));
    }

    @Test
    void shouldReadADayWrittenBeforeTimesWereKeptAndEstimateWithinIt() {
        Map<String, EventHistory> read = new TreeMap<>();
        ActivityCodec.read(
                "{\"x\":[[20413,5,36000000000,36240000000]]}", e -> read.computeIfAbsent(e, EventHistory::new));
        assertEquals(5, read.get("x").total());
        assertEquals(
                3, read.get("x").countUntil(Instant.parse("2025-11-21T10:02:00Z")), "five spread over four minutes");
        assertEquals("{\"x\":[[20413,5,36000000000,36240000000]]}", ActivityCodec.write(read));
        assertThrows(
                IllegalStateException.class,
                () -> ActivityCodec.read("{\"x\":[[20413,5,0,10,5]]}", EventHistory::new),
                "some but not all times");
        assertThrows(
                IllegalStateException.class,
                () -> ActivityCodec.read("{\"x\":[[20413,3,5,10,11]]}", EventHistory::new),
                "a time outside first..last");
    }
}
