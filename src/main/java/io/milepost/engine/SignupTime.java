package io.milepost.engine;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Reads the {@code createdAt} trait the ways Segment sources send it: ISO-8601, a date, or epoch seconds/millis. */
public final class SignupTime {
    private SignupTime() {}

    public static Instant fromTrait(Object value) {
        if (value instanceof Number n) {
            long v = n.longValue();
            return v > 100_000_000_000L ? Instant.ofEpochMilli(v) : Instant.ofEpochSecond(v);
        }
        if (value instanceof String s && !s.isBlank()) {
            try {
                return OffsetDateTime.parse(s.trim()).toInstant();
            } catch (DateTimeParseException e) {
                try {
                    return LocalDate.parse(s.trim())
                            .atStartOfDay(ZoneOffset.UTC)
                            .toInstant();
                } catch (DateTimeParseException ignored) {
                    return null;
                }
            }
        }
        return null;
    }
}
