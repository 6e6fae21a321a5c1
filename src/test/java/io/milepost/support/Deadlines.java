package io.milepost.support;

import java.time.Duration;

/** Time limits for engines that tests build themselves. */
public final class Deadlines {
    /**
     * The test profile's evaluation deadline (milepost.rules.max-evaluation-time): a cold JVM on a
     * busy machine must not turn a correct rule into a recorded failure.
     */
    public static final Duration EVALUATION = Duration.ofSeconds(5);

    private Deadlines() {}
}
