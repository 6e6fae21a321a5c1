package io.milepost.kpi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The interval math against published values: Newcombe, "Interval estimation for the difference
 * between independent proportions: comparison of eleven methods", Statistics in Medicine 17 (1998),
 * method 10; and his companion paper on single proportions (Wilson's score interval, method 3).
 */
class ProportionsTest {
    static final double Z = Proportions.Z95;

    @Test
    void shouldMatchPublishedWilsonIntervals() {
        Proportions.Interval a = Proportions.wilson(81, 263, Z);
        assertEquals(0.2553, a.low(), 5e-5);
        assertEquals(0.3662, a.high(), 5e-5);
        Proportions.Interval b = Proportions.wilson(15, 148, Z);
        assertEquals(0.0624, b.low(), 5e-5);
        assertEquals(0.1605, b.high(), 5e-5);
        Proportions.Interval none = Proportions.wilson(0, 20, Z);
        assertEquals(0.0, none.low(), 1e-12);
        assertEquals(0.1611, none.high(), 5e-5);
    }

    @Test
    void shouldMatchPublishedNewcombeDifferenceIntervals() {
        assertInterval(0.0524, 0.3339, Proportions.newcombeDifference(56, 70, 48, 80, Z));
        assertInterval(0.1705, 0.8090, Proportions.newcombeDifference(9, 10, 3, 10, Z));
        assertInterval(-0.0381, 0.1926, Proportions.newcombeDifference(5, 56, 0, 29, Z));
        assertInterval(-0.1611, 0.2775, Proportions.newcombeDifference(0, 10, 0, 20, Z));
    }

    @Test
    void shouldStayWithinMinusOneAndOneAndContainTheDifference() {
        Proportions.Interval all = Proportions.newcombeDifference(10, 10, 0, 20, Z);
        assertEquals(0.6791, all.low(), 5e-5);
        assertEquals(1.0, all.high(), 1e-9);
        Proportions.Interval reverse = Proportions.newcombeDifference(0, 20, 10, 10, Z);
        assertEquals(-1.0, reverse.low(), 1e-9);
        assertEquals(-0.6791, reverse.high(), 5e-5);
    }

    private static void assertInterval(double low, double high, Proportions.Interval actual) {
        assertEquals(low, actual.low(), 5e-5, actual.toString());
        assertEquals(high, actual.high(), 5e-5, actual.toString());
    }
}
