package io.milepost.kpi;

import io.milepost.kpi.JourneyQueries.Range;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How an answer for the signups of {@code [from, to)} is put together: the days whose figures are
 * kept and current ({@code kept}, each with the id of the recount that wrote them), read from
 * {@link KpiDays}; the rest ({@code uncounted}: days marked for a recount, days not counted under
 * the current catalog, and the partial days at the edges), counted from the records.
 *
 * <p>A partial edge day is read from its kept figures when no user of that day signed up outside
 * {@code [from, to)}: its users are then the same (a range that ends now has no signups after it,
 * one that starts before the first signup of its day none before it). One index probe per edge says
 * so; otherwise the part of the day in range is counted from the records.
 */
record KpiParts(String fingerprint, SortedMap<Long, Long> recounts, List<Range> uncounted) {

    /** The kept days to read, in order. */
    Set<Long> kept() {
        return recounts.keySet();
    }

    static KpiParts of(KpiDays days, Journey journey, Instant from, Instant to) {
        String fingerprint = days.fingerprint(journey);
        long first = KpiDays.day(from);
        long last = KpiDays.day(to.minusNanos(1));
        SortedMap<Long, Long> readable = days.readable(fingerprint, first, last + 1);
        // the signups of an edge day outside the range, if any: [day start, from) and [to, next day)
        List<Range> outside = new ArrayList<>();
        List<Long> outsideDay = new ArrayList<>();
        if (readable.containsKey(first) && from.isAfter(KpiDays.start(first))) {
            outside.add(new Range(KpiDays.start(first), from));
            outsideDay.add(first);
        }
        if (readable.containsKey(last) && to.isBefore(KpiDays.start(last + 1))) {
            outside.add(new Range(to, KpiDays.start(last + 1)));
            outsideDay.add(last);
        }
        SortedMap<Long, Long> kept = new TreeMap<>(readable);
        boolean[] any = days.signupsIn(outside);
        for (int i = 0; i < any.length; i++) {
            if (any[i]) {
                kept.remove(outsideDay.get(i));
            }
        }
        List<Range> uncounted = new ArrayList<>();
        for (long d = first; d <= last; d++) {
            if (!kept.containsKey(d)) {
                Instant s = KpiDays.start(d);
                Instant e = KpiDays.start(d + 1);
                add(uncounted, s.isBefore(from) ? from : s, e.isAfter(to) ? to : e);
            }
        }
        return new KpiParts(fingerprint, kept, uncounted);
    }

    /** Adds {@code [from, to)} when it is not empty, joined to the range before it when they touch. */
    private static void add(List<Range> ranges, Instant from, Instant to) {
        if (!from.isBefore(to)) {
            return;
        }
        if (!ranges.isEmpty() && ranges.get(ranges.size() - 1).to().equals(from)) {
            ranges.set(
                    ranges.size() - 1, new Range(ranges.get(ranges.size() - 1).from(), to));
            return;
        }
        ranges.add(new Range(from, to));
    }
}
