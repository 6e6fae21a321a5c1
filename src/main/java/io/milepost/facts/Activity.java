package io.milepost.facts;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.NavigableMap;

/**
 * What a user has done with one event name, all time. There is one {@code Activity} per event
 * name the user has sent; an event they never sent has none, so {@code not Activity( event ==
 * "list_created" )} means "never created a list".
 *
 * <pre>Activity( event == "search_performed", count &gt;= 5, countWithin(7) &gt;= 5 )</pre>
 *
 * <p>Day-based counts use UTC calendar days; "today" is the day of the evaluation.
 */
public final class Activity {
    private final String event;
    private final long count;
    private final Instant firstAt;
    private final Instant lastAt;
    private final NavigableMap<LocalDate, Integer> perDay;
    private final LocalDate signupDay;
    private final LocalDate today;

    public Activity(String event, long count, Instant firstAt, Instant lastAt,
                    NavigableMap<LocalDate, Integer> perDay, LocalDate signupDay, LocalDate today) {
        this.event = event;
        this.count = count;
        this.firstAt = firstAt;
        this.lastAt = lastAt;
        this.perDay = perDay;
        this.signupDay = signupDay;
        this.today = today;
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
     * How many times within the first {@code days} days of signup: the signup day and the
     * {@code days - 1} days after it. {@code countWithin(1)} is the signup day alone.
     */
    public long countWithin(int days) {
        if (days <= 0) {
            return 0;
        }
        return sum(signupDay, signupDay.plusDays(days - 1L));
    }

    /** How many times in the last {@code days} days: today and the {@code days - 1} days before. */
    public long countInLast(int days) {
        if (days <= 0) {
            return 0;
        }
        return sum(today.minusDays(days - 1L), today);
    }

    /** On how many different days of the last {@code days} days (today included) the user did it. */
    public int activeDaysInLast(int days) {
        if (days <= 0) {
            return 0;
        }
        return perDay.subMap(today.minusDays(days - 1L), true, today, true).size();
    }

    /**
     * In how many of the last {@code weeks} weeks the user did it at least once. Weeks are the
     * 7-day blocks ending today: days 1–7 back, 8–14 back, and so on.
     */
    public int activeWeeksInLast(int weeks) {
        int active = 0;
        for (int w = 0; w < weeks; w++) {
            LocalDate end = today.minusDays(7L * w);
            if (!perDay.subMap(end.minusDays(6), true, end, true).isEmpty()) {
                active++;
            }
        }
        return active;
    }

    private long sum(LocalDate from, LocalDate to) {
        if (from.isAfter(to)) {
            return 0;
        }
        long total = 0;
        for (Map.Entry<LocalDate, Integer> day : perDay.subMap(from, true, to, true).entrySet()) {
            total += day.getValue();
        }
        return total;
    }

    @Override
    public String toString() {
        return "Activity[" + event + " x" + count + "]";
    }
}
