package io.milepost.webhook;

/**
 * Attempt durations as buckets of a log scale, eight per doubling: bucket {@code b} holds durations
 * up to {@code 2^(b/8) - 1} ms, so a percentile read from the buckets is within 9% of the exact one.
 */
final class Latency {
    static final int STEPS_PER_DOUBLING = 8;
    static final int MAX_BUCKET = 8 * 32;

    private Latency() {}

    static int bucket(int durationMs) {
        if (durationMs <= 0) {
            return 0;
        }
        int b = (int) Math.ceil(STEPS_PER_DOUBLING * Math.log(durationMs + 1.0) / Math.log(2) - 1e-9);
        return Math.min(b, MAX_BUCKET);
    }

    /** The largest duration a bucket holds, in ms. */
    static long upperMs(int bucket) {
        return Math.round(Math.pow(2, bucket / (double) STEPS_PER_DOUBLING) - 1);
    }
}
