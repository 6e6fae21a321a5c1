package io.milepost.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @Test
    void shouldReadTheShortFormsAndIso8601() {
        assertEquals(Duration.ofSeconds(45), Durations.parse("45s"));
        assertEquals(Duration.ofMinutes(30), Durations.parse("30m"));
        assertEquals(Duration.ofHours(12), Durations.parse(" 12h "));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"));
        assertEquals(Duration.ofDays(14), Durations.parse("2w"));
        assertEquals(Duration.ofDays(7), Durations.parse("P7D"));
        assertEquals(Duration.ofDays(21), Durations.parse("P3W"));
        assertEquals(Duration.ofHours(36), Durations.parse("PT36H"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "7", "7 days", "-1d", "0d", "0s", "PT0S", "P1M", "P1Y", "1.5h"})
    void shouldRefuseWhatIsNotAPositiveDuration(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals(
                true,
                e.getMessage().contains("'" + text.trim() + "'")
                        || e.getMessage().contains("'" + text + "'"),
                e.getMessage());
    }
}
