package io.milepost.common;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations rule authors write: {@code 45s}, {@code 30m}, {@code 12h}, {@code 7d}, {@code 2w}, or
 * ISO-8601 ({@code P7D}, {@code PT36H}, {@code P3W}); always positive.
 */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})\\s*([smhdw])");

    private Durations() {}

    public static Duration parse(String text) {
        String s = text == null ? "" : text.trim();
        Matcher m = SHORT.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            if (n == 0) {
                throw new IllegalArgumentException("duration must be positive: '" + text + "'");
            }
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
        }
        try {
            Duration d =
                    s.startsWith("P") && !s.contains("T") && !s.contains("W") && !s.contains("Y") && !s.contains("M")
                            ? Duration.parse(s)
                            : parseIso(s);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("duration must be positive: '" + text + "'");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "not a duration: '" + text + "' (use 45s, 30m, 12h, 7d or ISO-8601 like P7D)");
        }
    }

    private static Duration parseIso(String s) {
        if (s.matches("P\\d+W")) {
            return Duration.ofDays(7L * Long.parseLong(s.substring(1, s.length() - 1)));
        }
        return Duration.parse(s);
    }
}
