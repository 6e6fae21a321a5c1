package io.milepost.kpi;

import java.time.Duration;
import java.util.List;

/**
 * The histogram of times to reach: buckets a person reads (under 1 minute, 1 to 10 minutes, ...),
 * counted by the database. Percentiles are exact ({@link JourneyQueries#percentiles}).
 */
final class TimeBuckets {
    /** A histogram bucket a person reads: {@code [from, to)}, {@code to} null for the last. */
    record Human(Duration from, Duration to, String label) {
    }

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

    private TimeBuckets() {
    }

    /** The index in {@link #HUMAN} of {@code seconds} (an SQL expression), as SQL. */
    static String humanSql(String seconds) {
        StringBuilder sql = new StringBuilder("CASE");
        for (int i = 0; i < HUMAN.size() - 1; i++) {
            sql.append(" WHEN ").append(seconds).append(" < ").append(HUMAN.get(i).to().toSeconds()).append(" THEN ").append(i);
        }
        return sql.append(" ELSE ").append(HUMAN.size() - 1).append(" END").toString();
    }
}
