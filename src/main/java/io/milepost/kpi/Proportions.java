package io.milepost.kpi;

/**
 * Confidence intervals for proportions: Wilson's score interval for one, and Newcombe's hybrid
 * score interval (his method 10, 1998) for the difference of two independent ones. Newcombe's
 * rather than Wald's: Wald's interval is too narrow for small groups and for rates near 0 or 1
 * (a 10% control group of a rare conversion is both), and can reach past -1 or 1.
 */
public final class Proportions {
    /** z for a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    private Proportions() {}

    /** An interval [low, high]. */
    public record Interval(double low, double high) {}

    /** Wilson's score interval for {@code successes} of {@code n} (n > 0). */
    public static Interval wilson(long successes, long n, double z) {
        if (n <= 0 || successes < 0 || successes > n) {
            throw new IllegalArgumentException("need 0 <= successes <= n and n > 0");
        }
        double p = (double) successes / n;
        double z2 = z * z;
        double centre = p + z2 / (2.0 * n);
        double spread = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        double denominator = 1 + z2 / n;
        return new Interval(Math.max(0, (centre - spread) / denominator), Math.min(1, (centre + spread) / denominator));
    }

    /**
     * Newcombe's hybrid score interval for p1 - p2, where p1 = x1/n1 and p2 = x2/n2 (n1, n2 > 0):
     * each rate's Wilson interval, combined as the square root of the sum of the squared distances.
     */
    public static Interval newcombeDifference(long x1, long n1, long x2, long n2, double z) {
        double p1 = (double) x1 / n1;
        double p2 = (double) x2 / n2;
        Interval a = wilson(x1, n1, z);
        Interval b = wilson(x2, n2, z);
        double d = p1 - p2;
        double low = d - Math.sqrt(square(p1 - a.low()) + square(b.high() - p2));
        double high = d + Math.sqrt(square(a.high() - p1) + square(p2 - b.low()));
        return new Interval(low, high);
    }

    private static double square(double x) {
        return x * x;
    }
}
