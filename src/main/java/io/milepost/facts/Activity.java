package io.milepost.facts;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.NavigableMap;
import java.util.function.ToLongFunction;

/**
 * What a user has done with one event name, all time. There is one {@code Activity} per event
 * name the user has sent; an event they never sent has none, so {@code not Activity( event ==
 * "list_created" )} means "never created a list".
 *
 * <pre>Activity( event == "search_performed", count &gt;= 5, countWithin(7) &gt;= 5 )</pre>
 *
 * <p>Two clocks, each said in the name: {@code countWithin} and {@code countInLast} are rolling
 * windows of {@code days × 24 h} (the same clock as {@code @within("7d")}); {@code activeDaysInLast}
 * and {@code activeWeeksInLast} count UTC calendar days, "today" being the day of the evaluation.
 */
public final class Activity {
    private static final Duration DAY = Duration.ofDays(1);

    private final String event;
    private final long count;
    private final Instant firstAt;
    private final Instant lastAt;
    private final NavigableMap<LocalDate, Integer> perDay;
    private final ToLongFunction<Instant> countUntil;
    private final Instant signedUpAt;
    private final Instant now;

    /**
     * @param perDay     occurrences per UTC day
     * @param countUntil how many occurrences were at or before a given time
     */
    public Activity(String event, long count, Instant firstAt, Instant lastAt, NavigableMap<LocalDate, Integer> perDay,
                    ToLongFunction<Instant> countUntil, Instant signedUpAt, Instant now) {
        this.event = event;
        this.count = count;
        this.firstAt = firstAt;
        this.lastAt = lastAt;
        this.perDay = perDay;
        this.countUntil = countUntil;
        this.signedUpAt = signedUpAt;
        this.now = now;
    }

    /** The event name, as sent in {@code track}. */
    public String getEvent() {
        return event;
    }

    /** How many times, all time. */
    public long getCount() {
        return count;
    }

    /** When the user first did it. */
    public Instant getFirstAt() {
        return firstAt;
    }

    /** When the user last did it. */
    public Instant getLastAt() {
        return lastAt;
    }

    /**
     * How many times by {@code days × 24 h} after signup (what the user did as a visitor before
     * signing up included): {@code countWithin(2)} for a signup at 22:00 counts up to 22:00 two days
     * later, as {@code @within("2d")} does.
     */
    public long countWithin(int days) {
        if (days <= 0) {
            return 0;
        }
        return countUntil.applyAsLong(signedUpAt.plus(DAY.multipliedBy(days)));
    }

    /** How many times in the last {@code days × 24 h} before the evaluation. */
    public long countInLast(int days) {
        if (days <= 0) {
            return 0;
        }
        return countUntil.applyAsLong(now) - countUntil.applyAsLong(now.minus(DAY.multipliedBy(days)));
    }

    /** On how many different UTC calendar days of the last {@code days} (today included) the user did it. */
    public int activeDaysInLast(int days) {
        if (days <= 0) {
            return 0;
        }
        LocalDate today = today();
        return perDay.subMap(today.minusDays(days - 1L), true, today, true).size();
    }

    /**
     * In how many of the last {@code weeks} weeks the user did it at least once. Weeks are the
     * 7-day blocks of UTC calendar days ending today: days 1–7 back, 8–14 back, and so on.
     */
    public int activeWeeksInLast(int weeks) {
        LocalDate today = today();
        int active = 0;
        for (int w = 0; w < weeks; w++) {
            LocalDate end = today.minusDays(7L * w);
            if (!perDay.subMap(end.minusDays(6), true, end, true).isEmpty()) {
                active++;
            }
        }
        return active;
    }

    private LocalDate today() {
        return LocalDate.ofInstant(now, ZoneOffset.UTC);
    }

    @Override
    public String toString() {
        return "Activity[" + event + " x" + count + "]";
    }
}
