package io.milepost.kpi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * How long the users who signed up in {@code [from, to)} took to reach a milestone, from
 * {@code measuredFrom} (signup or its {@code @after} milestone).
 *
 * @param reached          users with a time: they reached it (and the milestone it is measured from)
 * @param percentiles      null when nobody reached it
 * @param percentileMethod how the percentiles are computed
 */
public record TimeToReachView(
        String milestone,
        String measuredFrom,
        Instant from,
        Instant to,
        long reached,
        Percentiles percentiles,
        String percentileMethod,
        List<Bucket> buckets) {

    public record Percentiles(Duration p25, Duration p50, Duration p75, Duration p90, Duration p99) {}

    /** Users whose time was in {@code [from, to)}; {@code to} is null for the last bucket. */
    public record Bucket(Duration from, Duration to, String label, long count) {}
}
