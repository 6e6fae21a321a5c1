package io.milepost.support;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;

/** Matchers for ISO-8601 durations in JSON answers. */
public final class DurationMatchers {
    private DurationMatchers() {}

    /** A duration within 1% of {@code expected}: the promise the KPIs make for percentiles. */
    public static Matcher<String> withinOnePercentOf(String expected) {
        Duration e = Duration.parse(expected);
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(String actual) {
                try {
                    double a = Duration.parse(actual).toNanos();
                    return Math.abs(a - e.toNanos()) <= 0.01 * e.toNanos();
                } catch (DateTimeParseException ex) {
                    return false;
                }
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a duration within 1% of " + expected);
            }
        };
    }
}
