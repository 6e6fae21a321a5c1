package io.milepost.kpi;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of {@code kpi_days} as answers read them, parsed, kept in memory per (catalog
 * fingerprint, breakdown trait, signup day) under the id of the recount that wrote them
 * ({@code recount_id}). An answer learns each day's current id from the statement that lists its
 * readable days, so a day recounted since, here or by another instance, is a miss and read again:
 * what is kept is never stale, it is only unused. Histograms are kept as sorted arrays: the time
 * buckets, and for {@code open_after} the hours with the users who reached the {@code @after}
 * milestone in that hour or later, so an answer adds arrays instead of parsing text.
 *
 * <p>Memory is bounded: the least recently used days are dropped beyond {@link #MAX_BYTES}. By the
 * sizes of the benchmark's rows, 183 days of the whole journey and a four-valued breakdown trait at a
 * million users take some 20 MB (an estimate from the arrays, not a heap measurement).
 */
@ApplicationScoped
class KeptRows {
    /** The most the parsed rows may take, estimated from their arrays. */
    static final long MAX_BYTES = 48L << 20;

    /** One row of {@code kpi_days}, parsed; {@code milestone} is {@link KpiDays#USERS_ROW} for the users row. */
    record Row(
            String traitValue,
            String milestone,
            long users,
            long reached,
            long previousReached,
            long reachedAfterPrevious,
            long reachedWithinWindow,
            long stalled,
            int[] timeBuckets,
            long[] timeCounts,
            long[] readable,
            int[] openHours,
            long[] openFrom) {

        /** Of the users who reached the {@code @after} milestone and not this one, those who did after {@code hour}. */
        long openAfter(long hour) {
            int i = Arrays.binarySearch(
                    openHours, hour >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.max(hour, Integer.MIN_VALUE));
            int first = i >= 0 ? i + 1 : -i - 1;
            return first < openFrom.length ? openFrom[first] : 0;
        }

        long bytes() {
            return 96L
                    + 4L * (timeBuckets.length + openHours.length)
                    + 8L * (timeCounts.length + readable.length + openFrom.length);
        }

        /** A row read from the table: histograms as stored ({@link TimeBuckets#encode}, readable counts comma-separated). */
        static Row parse(
                String traitValue,
                String milestone,
                long users,
                long reached,
                long previousReached,
                long reachedAfterPrevious,
                long reachedWithinWindow,
                long stalled,
                String times,
                String readable,
                String openAfter) {
            int[][] t = new int[1][];
            long[][] c = new long[1][];
            split(times, t, c);
            int[] hours;
            long[] from;
            int[][] h = new int[1][];
            long[][] n = new long[1][];
            split(openAfter, h, n);
            hours = h[0];
            from = n[0];
            // from the last hour back: who reached it in that hour or later
            for (int i = from.length - 2; i >= 0; i--) {
                from[i] += from[i + 1];
            }
            return new Row(
                    traitValue,
                    milestone,
                    users,
                    reached,
                    previousReached,
                    reachedAfterPrevious,
                    reachedWithinWindow,
                    stalled,
                    t[0],
                    c[0],
                    readable(readable),
                    hours,
                    from);
        }

        private static void split(String text, int[][] keys, long[][] counts) {
            if (text == null || text.isEmpty()) {
                keys[0] = new int[0];
                counts[0] = new long[0];
                return;
            }
            int size = 1;
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == ';') {
                    size++;
                }
            }
            keys[0] = new int[size];
            counts[0] = new long[size];
            int i = 0;
            for (int k = 0; k < size; k++) {
                int colon = text.indexOf(':', i);
                int end = text.indexOf(';', colon);
                if (end < 0) {
                    end = text.length();
                }
                keys[0][k] = Integer.parseInt(text, i, colon, 10);
                counts[0][k] = Long.parseLong(text, colon + 1, end, 10);
                i = end + 1;
            }
        }

        private static long[] readable(String text) {
            if (text == null || text.isEmpty()) {
                return new long[0];
            }
            String[] parts = text.split(",");
            long[] counts = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                counts[i] = Long.parseLong(parts[i]);
            }
            return counts;
        }
    }

    private record DayKey(String fingerprint, String trait, long day) {}

    private record Entry(long recountId, List<Row> rows, long bytes) {}

    private final Map<DayKey, Entry> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;

    /** The parsed rows of a day as written by recount {@code recountId}, or null when not held. */
    synchronized List<Row> get(String fingerprint, String trait, long day, long recountId) {
        Entry e = entries.get(new DayKey(fingerprint, trait, day));
        return e == null || e.recountId() != recountId ? null : e.rows();
    }

    /** Holds the parsed rows of a day as written by recount {@code recountId}, in place of any other recount's. */
    synchronized void put(String fingerprint, String trait, long day, long recountId, List<Row> rows) {
        long size = 64;
        for (Row r : rows) {
            size += r.bytes();
        }
        Entry old = entries.put(new DayKey(fingerprint, trait, day), new Entry(recountId, List.copyOf(rows), size));
        bytes += size - (old == null ? 0 : old.bytes());
        Iterator<Entry> eldest = entries.values().iterator();
        while (bytes > MAX_BYTES && eldest.hasNext()) {
            bytes -= eldest.next().bytes();
            eldest.remove();
        }
    }

    synchronized long bytes() {
        return bytes;
    }
}
