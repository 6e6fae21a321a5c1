package io.milepost.facts;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.Function;
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
    private final Function<String, Map<String, ToLongFunction<Instant>>> byValue;

    /**
     * @param perDay     occurrences per UTC day
     * @param countUntil how many occurrences were at or before a given time
     * @param byValue    for a property, each value it had with its occurrences up to a time (kept for
     *                   the properties the loaded rules ask about)
     */
    public Activity(
            String event,
            long count,
            Instant firstAt,
            Instant lastAt,
            NavigableMap<LocalDate, Integer> perDay,
            ToLongFunction<Instant> countUntil,
            Instant signedUpAt,
            Instant now,
            Function<String, Map<String, ToLongFunction<Instant>>> byValue) {
        this.event = event;
        this.count = count;
        this.firstAt = firstAt;
        this.lastAt = lastAt;
        this.perDay = perDay;
        this.countUntil = countUntil;
        this.signedUpAt = signedUpAt;
        this.now = now;
        this.byValue = byValue;
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

    /** How many times by {@code hours} after signup (visitor history before signup included). */
    public long countWithinHours(int hours) {
        if (hours <= 0) {
            return 0;
        }
        return countUntil.applyAsLong(signedUpAt.plus(Duration.ofHours(hours)));
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

    /** How many times the event's {@code property} was {@code value} (a text, number or true/false), all time. */
    public long countWhere(String property, Object value) {
        return occurrences(byValue.apply(property).get(String.valueOf(value)), null, null);
    }

    /** {@link #countWhere} in the last {@code days × 24 h}. */
    public long countWhereInLast(String property, Object value, int days) {
        return occurrences(byValue.apply(property).get(String.valueOf(value)), lastFrom(days), now);
    }

    /** {@link #countWhere} by {@code days × 24 h} after signup. */
    public long countWhereWithin(String property, Object value, int days) {
        return occurrences(byValue.apply(property).get(String.valueOf(value)), null, withinTo(days));
    }

    /** How many different values the event's {@code property} had ("comments from 2 different authors"), all time. */
    public long distinct(String property) {
        return distinct(property, null, null);
    }

    /** {@link #distinct} in the last {@code days × 24 h}. */
    public long distinctInLast(String property, int days) {
        return distinct(property, lastFrom(days), now);
    }

    /** {@link #distinct} by {@code days × 24 h} after signup. */
    public long distinctWithin(String property, int days) {
        return distinct(property, null, withinTo(days));
    }

    /** The sum of the event's numeric {@code property} ({@code sum("amount")}), all time; other values count as 0. */
    public double sum(String property) {
        return sum(property, null, null);
    }

    /** {@link #sum} in the last {@code days × 24 h}. */
    public double sumInLast(String property, int days) {
        return sum(property, lastFrom(days), now);
    }

    /** {@link #sum} by {@code days × 24 h} after signup. */
    public double sumWithin(String property, int days) {
        return sum(property, null, withinTo(days));
    }

    private Instant lastFrom(int days) {
        return now.minus(DAY.multipliedBy(Math.max(0, days)));
    }

    private Instant withinTo(int days) {
        return days <= 0
                ? signedUpAt.minusNanos(1).minus(DAY.multipliedBy(36500))
                : signedUpAt.plus(DAY.multipliedBy(days));
    }

    /** Occurrences after {@code from} (null: from the start) and at or before {@code to} (null: all). */
    private static long occurrences(ToLongFunction<Instant> until, Instant from, Instant to) {
        if (until == null) {
            return 0;
        }
        long upTo = until.applyAsLong(to == null ? Instant.MAX : to);
        return from == null ? upTo : upTo - until.applyAsLong(from);
    }

    private long distinct(String property, Instant from, Instant to) {
        long n = 0;
        for (ToLongFunction<Instant> until : byValue.apply(property).values()) {
            if (occurrences(until, from, to) > 0) {
                n++;
            }
        }
        return n;
    }

    private double sum(String property, Instant from, Instant to) {
        double total = 0;
        for (Map.Entry<String, ToLongFunction<Instant>> value :
                byValue.apply(property).entrySet()) {
            double number;
            try {
                number = Double.parseDouble(value.getKey());
            } catch (NumberFormatException e) {
                continue;
            }
            if (Double.isFinite(number)) {
                total += number * occurrences(value.getValue(), from, to);
            }
        }
        return total;
    }

    private LocalDate today() {
        return LocalDate.ofInstant(now, ZoneOffset.UTC);
    }

    @Override
    public String toString() {
        return "Activity[" + event + " x" + count + "]";
    }
}
