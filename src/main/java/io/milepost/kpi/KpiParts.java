package io.milepost.kpi;

import io.milepost.kpi.JourneyQueries.Range;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How an answer for the signups of {@code [from, to)} is put together: the whole days whose figures
 * are kept and current ({@code kept}), read from {@link KpiDays}; the rest ({@code uncounted}: the
 * partial days at the edges, days marked for a recount, days not counted under the current
 * catalog), counted from the records; and among the kept days the {@code young} ones, whose users
 * may still have a window open from signup, so that their time-dependent figures are counted again.
 */
record KpiParts(String fingerprint, Set<Long> kept, List<Range> uncounted, Set<Long> young) {

    /** @param asOf the answer's time, for the young days; null when nothing it counts depends on time */
    static KpiParts of(KpiDays days, Journey journey, Instant from, Instant to, Instant asOf) {
        String fingerprint = days.fingerprint(journey);
        long fromDay = KpiDays.day(from) + (KpiDays.start(KpiDays.day(from)).equals(from) ? 0 : 1);
        long toDay = KpiDays.day(to);
        if (fromDay >= toDay) {
            return new KpiParts(fingerprint, new TreeSet<>(), List.of(new Range(from, to)), new TreeSet<>());
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
        TreeSet<Long> young = new TreeSet<>();
        Duration window = journey.longestSignupWindow();
        if (asOf != null && window != null) {
            // a day is young while a user who signed up at its very end may still have the window open
            for (long d : kept) {
                if (KpiDays.start(d + 1).plus(window).isAfter(asOf)) {
                    young.add(d);
                }
            }
        }
        return new KpiParts(fingerprint, kept, uncounted, young);
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

    /** The kept days that are not young: every window from signup has closed for their users. */
    Set<Long> settled() {
        Set<Long> days = new TreeSet<>(kept);
        days.removeAll(young);
        return days;
    }
}
