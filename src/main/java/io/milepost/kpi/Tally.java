package io.milepost.kpi;

import io.milepost.kpi.JourneyQueries.Counts;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The journey figures of one group of users (a signup day, a trait value, a whole range), added up
 * from the parts an answer is made of: figures kept per signup day, figures counted from the
 * records, and corrections for windows still open. Counts and histograms add up; percentiles are
 * read off the sum at the end.
 */
final class Tally {
    long cohort;
    final Counts[] steps;
    final long[] stalls;
    final long[][] readable;
    final SortedMap<Integer, Long>[] times;
    /** Per milestone with a window from an {@code @after} one: users who reached that one and not this, by the hour they did. */
    final SortedMap<Integer, Long>[] openAfter;

    @SuppressWarnings("unchecked")
    Tally(int size) {
        steps = new Counts[size];
        Arrays.fill(steps, Counts.ZERO);
        stalls = new long[size];
        readable = new long[size][TimeBuckets.HUMAN.size()];
        times = new SortedMap[size];
        openAfter = new SortedMap[size];
        for (int i = 0; i < size; i++) {
            times[i] = new TreeMap<>();
            openAfter[i] = new TreeMap<>();
        }
    }

    void add(Tally o) {
        cohort += o.cohort;
        for (int i = 0; i < steps.length; i++) {
            steps[i] = steps[i].plus(o.steps[i]);
            stalls[i] += o.stalls[i];
            for (int b = 0; b < readable[i].length; b++) {
                readable[i][b] += o.readable[i][b];
            }
            SortedMap<Integer, Long> mine = times[i];
            o.times[i].forEach((b, c) -> mine.merge(b, c, Long::sum));
            SortedMap<Integer, Long> open = openAfter[i];
            o.openAfter[i].forEach((h, c) -> open.merge(h, c, Long::sum));
        }
    }

    /**
     * The figures that change with time ({@code inProgress}, {@code droppedOff}) of counts taken as if
     * every window had closed: a milestone with a window is then dropped off by whoever reached the
     * one before it and not this one; one without stays in progress for them.
     */
    static Counts settled(Journey.Step step, Counts c) {
        long waiting = c.previousReached() - c.reachedAfterPrevious();
        return step.within() == null
                ? new Counts(
                        c.reached(), c.previousReached(), c.reachedAfterPrevious(), c.reachedWithinWindow(), waiting, 0)
                : new Counts(
                        c.reached(),
                        c.previousReached(),
                        c.reachedAfterPrevious(),
                        c.reachedWithinWindow(),
                        0,
                        waiting);
    }
}
