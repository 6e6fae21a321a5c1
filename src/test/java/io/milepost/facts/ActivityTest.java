package io.milepost.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.milepost.engine.EventHistory;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The day-based counts rule authors rely on, at their boundaries. */
class ActivityTest {
    static final LocalDate SIGNUP = LocalDate.parse("2026-01-05");

    static Activity activity(LocalDate today, String... times) {
        EventHistory h = new EventHistory("search_performed");
        for (String t : times) {
            h.record(Instant.parse(t));
        }
        return new Activity(h.event(), h.total(), h.firstAt(), h.lastAt(), h.countsView(), SIGNUP, today);
    }

    @Test
    void shouldCountWithinTheFirstDaysOfSignupIncludingTheSignupDay() {
        Activity a = activity(LocalDate.parse("2026-02-01"),
                "2026-01-05T23:59:59Z", "2026-01-06T00:00:00Z", "2026-01-11T12:00:00Z", "2026-01-12T00:00:00Z");
        assertEquals(1, a.countWithin(1));
        assertEquals(2, a.countWithin(2));
        assertEquals(3, a.countWithin(7)); // Jan 5..11
        assertEquals(4, a.countWithin(8));
        assertEquals(0, a.countWithin(0));
        assertEquals(4, a.getCount());
    }

    @Test
    void shouldCountInTheLastDaysIncludingToday() {
        Activity a = activity(LocalDate.parse("2026-01-20"),
                "2026-01-13T10:00:00Z", "2026-01-14T10:00:00Z", "2026-01-20T00:00:01Z", "2026-01-20T23:00:00Z");
        assertEquals(2, a.countInLast(1));
        assertEquals(3, a.countInLast(7)); // Jan 14..20
        assertEquals(4, a.countInLast(8));
        assertEquals(2, a.activeDaysInLast(7));
        assertEquals(3, a.activeDaysInLast(8));
    }

    @Test
    void shouldCountActiveWeeksAsSevenDayBlocksEndingToday() {
        // today Jan 28: weeks are Jan 22-28, Jan 15-21, Jan 8-14, Jan 1-7
        Activity a = activity(LocalDate.parse("2026-01-28"),
                "2026-01-22T00:00:00Z", "2026-01-21T23:59:59Z", "2026-01-21T10:00:00Z", "2026-01-01T00:00:00Z");
        assertEquals(1, a.activeWeeksInLast(1));
        assertEquals(2, a.activeWeeksInLast(2));
        assertEquals(2, a.activeWeeksInLast(3));
        assertEquals(3, a.activeWeeksInLast(4));
        assertEquals(3, a.activeWeeksInLast(10));
    }

    @Test
    void shouldKnowFirstAndLastTimesWhateverTheOrderRecorded() {
        Activity a = activity(LocalDate.parse("2026-02-01"), "2026-01-09T00:00:00Z", "2026-01-06T00:00:00Z");
        assertEquals(Instant.parse("2026-01-06T00:00:00Z"), a.getFirstAt());
        assertEquals(Instant.parse("2026-01-09T00:00:00Z"), a.getLastAt());
    }
}
