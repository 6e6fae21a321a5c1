package io.milepost.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.milepost.engine.EventHistory;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The counts rule authors rely on, at their edges: rolling windows of N × 24 h from signup or
 * before now (the clock of {@code @within}), calendar days where the name says days or weeks.
 */
class ActivityTest {
    static final Instant SIGNUP = Instant.parse("2026-01-05T22:00:00Z");

    static Activity activity(Instant now, String... times) {
        EventHistory h = new EventHistory("search_performed");
        for (String t : times) {
            h.record(Instant.parse(t));
        }
        return h.fact(SIGNUP, now);
    }

    @Test
    void shouldCountWithinNTimes24HoursOfSignupNotCalendarDays() {
        // signed up at 22:00: two days of signup end at 22:00 two days later, whatever the calendar says
        Activity a = activity(
                Instant.parse("2026-02-01T00:00:00Z"),
                "2026-01-05T23:00:00Z",
                "2026-01-06T18:00:00Z",
                "2026-01-07T10:00:00Z",
                "2026-01-07T21:59:59Z",
                "2026-01-07T22:00:00Z",
                "2026-01-07T22:00:01Z",
                "2026-01-12T21:00:00Z");
        assertEquals(2, a.countWithin(1)); // up to Jan 6 22:00
        assertEquals(5, a.countWithin(2)); // up to Jan 7 22:00, that instant included
        assertEquals(6, a.countWithin(3));
        assertEquals(7, a.countWithin(7));
        assertEquals(0, a.countWithin(0));
        assertEquals(7, a.getCount());
    }

    @Test
    void shouldCountWhatAVisitorDidBeforeSigningUpWithinTheFirstDays() {
        Activity a = activity(Instant.parse("2026-02-01T00:00:00Z"), "2026-01-04T12:00:00Z", "2026-01-06T12:00:00Z");
        assertEquals(2, a.countWithin(1));
    }

    @Test
    void shouldCountInTheLastNTimes24HoursBeforeNow() {
        Instant now = Instant.parse("2026-01-20T12:00:00Z");
        Activity a = activity(
                now,
                "2026-01-13T11:59:59Z",
                "2026-01-13T12:00:01Z",
                "2026-01-19T12:00:00Z",
                "2026-01-19T12:00:01Z",
                "2026-01-20T00:00:01Z",
                "2026-01-20T11:00:00Z");
        assertEquals(3, a.countInLast(1)); // after Jan 19 12:00
        assertEquals(5, a.countInLast(7)); // after Jan 13 12:00
        assertEquals(6, a.countInLast(8));
        assertEquals(0, a.countInLast(0));
    }

    @Test
    void shouldCountCalendarDaysAndWeeksWhereTheNameSaysSo() {
        // today Jan 28: weeks are Jan 22-28, Jan 15-21, Jan 8-14, Jan 1-7
        Activity a = activity(
                Instant.parse("2026-01-28T08:00:00Z"),
                "2026-01-22T00:00:00Z",
                "2026-01-21T23:59:59Z",
                "2026-01-21T10:00:00Z",
                "2026-01-01T00:00:00Z");
        assertEquals(1, a.activeWeeksInLast(1));
        assertEquals(2, a.activeWeeksInLast(2));
        assertEquals(3, a.activeWeeksInLast(4));
        assertEquals(1, a.activeDaysInLast(7)); // Jan 22..28
        assertEquals(2, a.activeDaysInLast(8)); // Jan 21..28
    }

    @Test
    void shouldStayExactOnABusyDayUpToTheCapAndEstimateBeyondIt() {
        EventHistory busy = new EventHistory("search_performed");
        Instant dayStart = Instant.parse("2026-01-07T00:00:00Z");
        for (int minute = 0; minute < EventHistory.TIMES_PER_DAY; minute++) {
            busy.record(dayStart.plus(Duration.ofMinutes(minute * 20L)));
        }
        // 64 searches, one every 20 minutes from 00:00: those up to 22:00 are the first 67 slots, capped at 64
        Activity exact = busy.fact(SIGNUP, Instant.parse("2026-02-01T00:00:00Z"));
        assertEquals(64, exact.countWithin(2));
        assertEquals(0, exact.countWithin(1));
        assertEquals(31, busy.countUntil(dayStart.plus(Duration.ofMinutes(600)))); // 00:00 .. 10:00 every 20 min

        busy.record(dayStart.plus(Duration.ofHours(23))); // the 65th: times are no longer kept one by one
        long estimate = busy.countUntil(dayStart.plus(Duration.ofMinutes(600)));
        assertEquals(28, estimate, "spread evenly between 00:00 and 23:00");
        assertEquals(65, busy.countUntil(dayStart.plus(Duration.ofHours(23))));
        assertEquals(0, busy.countUntil(dayStart.minusNanos(1)));
    }

    @Test
    void shouldKnowFirstAndLastTimesWhateverTheOrderRecorded() {
        Activity a = activity(Instant.parse("2026-02-01T00:00:00Z"), "2026-01-09T00:00:00Z", "2026-01-06T00:00:00Z");
        assertEquals(Instant.parse("2026-01-06T00:00:00Z"), a.getFirstAt());
        assertEquals(Instant.parse("2026-01-09T00:00:00Z"), a.getLastAt());
    }
}
