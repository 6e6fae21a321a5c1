package io.milepost.kpi;

import io.milepost.kpi.JourneyQueries.Range;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How an answer for the signups of {@code [from, to)} is put together: the whole days whose figures
 * are kept and current ({@code kept}), read from {@link KpiDays}; the rest ({@code uncounted}: the
 * partial days at the edges, days marked for a recount, days not counted under the current
 * catalog), counted from the records.
 */
record KpiParts(String fingerprint, Set<Long> kept, List<Range> uncounted) {

    static KpiParts of(KpiDays days, Journey journey, Instant from, Instant to) {
        String fingerprint = days.fingerprint(journey);
        long fromDay = KpiDays.day(from) + (KpiDays.start(KpiDays.day(from)).equals(from) ? 0 : 1);
        long toDay = KpiDays.day(to);
        if (fromDay >= toDay) {
            return new KpiParts(fingerprint, new TreeSet<>(), List.of(new Range(from, to)));
        }
        TreeSet<Long> kept = new TreeSet<>(days.readable(fingerprint, fromDay, toDay));
        List<Range> uncounted = new ArrayList<>();
        add(uncounted, from, KpiDays.start(fromDay));
        Long runStart = null;
        for (long d = fromDay; d < toDay; d++) {
            if (!kept.contains(d) && runStart == null) {
                runStart = d;
            } else if (kept.contains(d) && runStart != null) {
                add(uncounted, KpiDays.start(runStart), KpiDays.start(d));
                runStart = null;
            }
        }
        if (runStart != null) {
            add(uncounted, KpiDays.start(runStart), KpiDays.start(toDay));
        }
        add(uncounted, KpiDays.start(toDay), to);
        return new KpiParts(fingerprint, kept, uncounted);
    }

    /** Adds {@code [from, to)} when it is not empty, joined to the range before it when they touch. */
    private static void add(List<Range> ranges, Instant from, Instant to) {
        if (!from.isBefore(to)) {
            return;
        }
        if (!ranges.isEmpty() && ranges.get(ranges.size() - 1).to().equals(from)) {
            ranges.set(ranges.size() - 1, new Range(ranges.get(ranges.size() - 1).from(), to));
            return;
        }
        ranges.add(new Range(from, to));
    }
}
