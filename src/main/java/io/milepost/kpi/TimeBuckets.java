package io.milepost.kpi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The histograms of times to reach, counted by the database: buckets a person reads (under 1
 * minute, 1 to 10 minutes, ...), exact; and log-scale buckets 2% wide for the percentiles. A
 * percentile is the nearest rank (the p-th of n times is the ceil(p * n / 100)-th smallest) read off
 * the log-scale buckets: the bucket that holds that time, reported as its geometric middle, which is
 * within 1% of the time itself (times under a millisecond are reported as zero).
 */
final class TimeBuckets {
    /** A histogram bucket a person reads: {@code [from, to)}, {@code to} null for the last. */
    record Human(Duration from, Duration to, String label) {}

    static final List<Human> HUMAN = List.of(
            new Human(Duration.ZERO, Duration.ofMinutes(1), "under 1 minute"),
            new Human(Duration.ofMinutes(1), Duration.ofMinutes(10), "1 to 10 minutes"),
            new Human(Duration.ofMinutes(10), Duration.ofHours(1), "10 minutes to 1 hour"),
            new Human(Duration.ofHours(1), Duration.ofHours(6), "1 to 6 hours"),
            new Human(Duration.ofHours(6), Duration.ofDays(1), "6 hours to 1 day"),
            new Human(Duration.ofDays(1), Duration.ofDays(3), "1 to 3 days"),
            new Human(Duration.ofDays(3), Duration.ofDays(7), "3 to 7 days"),
            new Human(Duration.ofDays(7), Duration.ofDays(14), "7 to 14 days"),
            new Human(Duration.ofDays(14), Duration.ofDays(30), "14 to 30 days"),
            new Human(Duration.ofDays(30), null, "30 days or more"));

    /** Each log-scale bucket is this many times as wide as the one before. */
    static final double RATIO = 1.02;
    /** Bucket 0 holds the times under this many seconds (reported as zero); bucket b >= 1 starts at FLOOR * RATIO^(b-1). */
    static final double FLOOR = 0.001;

    static final String METHOD = "nearest rank over log-scale buckets 2% wide, each reported as its geometric middle: "
            + "within 1% of the exact nearest-rank time (the p-th of n times is the ceil(p * n / 100)-th smallest)";
    static final int[] PERCENTS = {25, 50, 75, 90, 99};

    private TimeBuckets() {}

    /** The log-scale bucket of {@code seconds} (an SQL expression), as SQL. */
    static String logSql(String seconds) {
        return "CASE WHEN " + seconds + " < " + FLOOR + " THEN 0 ELSE 1 + CAST(FLOOR(LN(CAST(" + seconds
                + " AS DOUBLE PRECISION) / " + FLOOR + ") / LN(" + RATIO + ")) AS INTEGER) END";
    }

    /** The time a log-scale bucket stands for: its geometric middle (zero for bucket 0). */
    static Duration middle(int bucket) {
        if (bucket <= 0) {
            return Duration.ZERO;
        }
        double seconds = FLOOR * Math.pow(RATIO, bucket - 0.5);
        return Duration.ofNanos(Math.round(seconds * 1e6) * 1000);
    }

    /** The nearest-rank {@code percent}-th time of a log-scale histogram (bucket to count, in bucket order), or null when empty. */
    static Duration percentile(SortedMap<Integer, Long> histogram, int percent) {
        long n = histogram.values().stream().mapToLong(Long::longValue).sum();
        if (n == 0) {
            return null;
        }
        long rank = Math.max(1, (percent * n + 99) / 100);
        long seen = 0;
        for (Map.Entry<Integer, Long> e : histogram.entrySet()) {
            seen += e.getValue();
            if (seen >= rank) {
                return middle(e.getKey());
            }
        }
        throw new IllegalStateException("rank " + rank + " beyond " + n);
    }

    /** A log-scale histogram as stored: "bucket:count;..." in bucket order. */
    static String encode(SortedMap<Integer, Long> histogram) {
        StringBuilder text = new StringBuilder();
        histogram.forEach((b, c) ->
                text.append(text.isEmpty() ? "" : ";").append(b).append(':').append(c));
        return text.toString();
    }

    /** Adds a stored histogram ({@link #encode}) into {@code into}. */
    static void addDecoded(String text, SortedMap<Integer, Long> into) {
        if (text == null || text.isEmpty()) {
            return;
        }
        int i = 0;
        while (i < text.length()) {
            int colon = text.indexOf(':', i);
            int end = text.indexOf(';', colon);
            if (end < 0) {
                end = text.length();
            }
            into.merge(Integer.parseInt(text, i, colon, 10), Long.parseLong(text, colon + 1, end, 10), Long::sum);
            i = end + 1;
        }
    }

    /** The index in {@link #HUMAN} of {@code seconds} (an SQL expression), as SQL. */
    static String humanSql(String seconds) {
        StringBuilder sql = new StringBuilder("CASE");
        for (int i = 0; i < HUMAN.size() - 1; i++) {
            sql.append(" WHEN ")
                    .append(seconds)
                    .append(" < ")
                    .append(HUMAN.get(i).to().toSeconds())
                    .append(" THEN ")
                    .append(i);
        }
        return sql.append(" ELSE ").append(HUMAN.size() - 1).append(" END").toString();
    }
}
