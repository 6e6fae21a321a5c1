package io.milepost.engine;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** One user's history of one event name: counts per UTC day, with the first and last time of each day. */
public final class EventHistory {

    /**
     * Most occurrences of one event name in one UTC day whose times are kept one by one. A busier day
     * keeps its count, first and last time, and a window edge falling inside it is interpolated
     * ({@link #countUntil}).
     */
    public static final int TIMES_PER_DAY = 64;

    /** One day's bucket: how many, first and last, and (up to {@link #TIMES_PER_DAY}) every time. */
    public static final class Day {
        int count;
        Instant firstAt;
        Instant lastAt;
        /** Every occurrence's time, sorted; null when the day is busier than the cap or the times are unknown. */
        Instant[] times;

        public Day(int count, Instant firstAt, Instant lastAt) {
            this(
                    count,
                    firstAt,
                    lastAt,
                    count == 1 ? new Instant[] {firstAt} : count == 2 ? new Instant[] {firstAt, lastAt} : null);
        }

        public Day(int count, Instant firstAt, Instant lastAt, Instant[] times) {
            this.count = count;
            this.firstAt = firstAt;
            this.lastAt = lastAt;
            this.times = times;
        }

        public int count() {
            return count;
        }

        public Instant firstAt() {
            return firstAt;
        }

        public Instant lastAt() {
            return lastAt;
        }

        /** Every occurrence's time in order, or null when not kept (more than {@link #TIMES_PER_DAY}, or unknown). */
        public Instant[] times() {
            return times;
        }

        void add(Instant at) {
            count++;
            firstAt = at.isBefore(firstAt) ? at : firstAt;
            lastAt = at.isAfter(lastAt) ? at : lastAt;
            times = times == null || count > TIMES_PER_DAY ? null : insert(times, at);
        }

        void absorb(Day other) {
            count += other.count;
            firstAt = other.firstAt.isBefore(firstAt) ? other.firstAt : firstAt;
            lastAt = other.lastAt.isAfter(lastAt) ? other.lastAt : lastAt;
            if (times == null || other.times == null || count > TIMES_PER_DAY) {
                times = null;
            } else {
                Instant[] merged = java.util.Arrays.copyOf(times, times.length + other.times.length);
                System.arraycopy(other.times, 0, merged, times.length, other.times.length);
                java.util.Arrays.sort(merged);
                times = merged;
            }
        }

        /** How many of the day's occurrences were at or before {@code at} (a time within the day). */
        long until(Instant at) {
            if (lastAt.compareTo(at) <= 0) {
                return count;
            }
            if (firstAt.isAfter(at)) {
                return 0;
            }
            if (times != null) {
                int n = 0;
                while (n < times.length && !times[n].isAfter(at)) {
                    n++;
                }
                return n;
            }
            // a day busier than the cap: spread its occurrences evenly between first and last
            double share = (double) java.time.Duration.between(firstAt, at).toNanos()
                    / Math.max(1, java.time.Duration.between(firstAt, lastAt).toNanos());
            return Math.max(1, Math.min(count - 1, Math.round(share * count)));
        }

        private static Instant[] insert(Instant[] sorted, Instant at) {
            Instant[] out = new Instant[sorted.length + 1];
            int i = 0;
            while (i < sorted.length && !sorted[i].isAfter(at)) {
                out[i] = sorted[i];
                i++;
            }
            out[i] = at;
            System.arraycopy(sorted, i, out, i + 1, sorted.length - i);
            return out;
        }
    }

    private final String event;
    private final TreeMap<LocalDate, Integer> counts = new TreeMap<>();
    private final Map<LocalDate, Day> days = new HashMap<>();
    private long total;
    private Instant firstAt;
    private Instant lastAt;

    public EventHistory(String event) {
        this.event = event;
    }

    public String event() {
        return event;
    }

    /** Adds a stored day bucket (loading); {@code times} every occurrence's time in order, or null if not kept. */
    public void load(LocalDate day, int count, Instant first, Instant last, Instant[] times) {
        days.put(day, times == null ? new Day(count, first, last) : new Day(count, first, last, times));
        counts.put(day, count);
        total += count;
        firstAt = firstAt == null || first.isBefore(firstAt) ? first : firstAt;
        lastAt = lastAt == null || last.isAfter(lastAt) ? last : lastAt;
    }

    /** Records one occurrence at {@code at}. */
    public void record(Instant at) {
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        Day bucket = days.get(day);
        if (bucket == null) {
            days.put(day, new Day(1, at, at));
        } else {
            bucket.add(at);
        }
        counts.merge(day, 1, Integer::sum);
        total++;
        firstAt = firstAt == null || at.isBefore(firstAt) ? at : firstAt;
        lastAt = lastAt == null || at.isAfter(lastAt) ? at : lastAt;
    }

    /** Adds another history of the same event (another id's, at a merge): day by day, counts summed. */
    public void absorb(EventHistory other) {
        for (Map.Entry<LocalDate, Day> e : other.days.entrySet()) {
            Day theirs = e.getValue();
            Day mine = days.get(e.getKey());
            if (mine == null) {
                days.put(
                        e.getKey(),
                        new Day(
                                theirs.count,
                                theirs.firstAt,
                                theirs.lastAt,
                                theirs.times == null ? null : theirs.times.clone()));
            } else {
                mine.absorb(theirs);
            }
            counts.merge(e.getKey(), theirs.count, Integer::sum);
        }
        total += other.total;
        if (other.firstAt != null) {
            firstAt = firstAt == null || other.firstAt.isBefore(firstAt) ? other.firstAt : firstAt;
            lastAt = lastAt == null || other.lastAt.isAfter(lastAt) ? other.lastAt : lastAt;
        }
    }

    /**
     * How many occurrences were at or before {@code at}: every earlier day whole, and of {@code at}'s
     * own day those at or before it (exact for days of up to {@link #TIMES_PER_DAY} occurrences).
     */
    public long countUntil(Instant at) {
        if (total == 0 || firstAt.isAfter(at)) {
            return 0;
        }
        if (!lastAt.isAfter(at)) {
            return total;
        }
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        long n = 0;
        for (int c : counts.headMap(day, false).values()) {
            n += c;
        }
        Day bucket = days.get(day);
        return bucket == null ? n : n + bucket.until(at);
    }

    /** The {@code Activity} fact rules see for this history, for a user who signed up at {@code signup}, at {@code now}. */
    public io.milepost.facts.Activity fact(Instant signup, Instant now) {
        return new io.milepost.facts.Activity(
                event, total, firstAt, lastAt, countsView(), this::countUntil, signup, now, property -> Map.of());
    }

    public long total() {
        return total;
    }

    public Instant firstAt() {
        return firstAt;
    }

    public Instant lastAt() {
        return lastAt;
    }

    /** Read-only view of count per day, for the {@code Activity} fact. */
    public NavigableMap<LocalDate, Integer> countsView() {
        return Collections.unmodifiableNavigableMap(counts);
    }

    public Day day(LocalDate day) {
        return days.get(day);
    }
}
