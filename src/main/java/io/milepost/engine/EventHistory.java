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

    /** One day's bucket. */
    public static final class Day {
        int count;
        Instant firstAt;
        Instant lastAt;

        public Day(int count, Instant firstAt, Instant lastAt) {
            this.count = count;
            this.firstAt = firstAt;
            this.lastAt = lastAt;
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

    /** Adds a stored day bucket (loading); not marked as changed. */
    public void load(LocalDate day, int count, Instant first, Instant last) {
        days.put(day, new Day(count, first, last));
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
            bucket.count++;
            bucket.firstAt = at.isBefore(bucket.firstAt) ? at : bucket.firstAt;
            bucket.lastAt = at.isAfter(bucket.lastAt) ? at : bucket.lastAt;
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
                days.put(e.getKey(), new Day(theirs.count, theirs.firstAt, theirs.lastAt));
            } else {
                mine.count += theirs.count;
                mine.firstAt = theirs.firstAt.isBefore(mine.firstAt) ? theirs.firstAt : mine.firstAt;
                mine.lastAt = theirs.lastAt.isAfter(mine.lastAt) ? theirs.lastAt : mine.lastAt;
            }
            counts.merge(e.getKey(), theirs.count, Integer::sum);
        }
        total += other.total;
        if (other.firstAt != null) {
            firstAt = firstAt == null || other.firstAt.isBefore(firstAt) ? other.firstAt : firstAt;
            lastAt = lastAt == null || other.lastAt.isAfter(lastAt) ? other.lastAt : lastAt;
        }
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
