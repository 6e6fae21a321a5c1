package io.milepost.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How an attempt's error text is kept: within the column, whole characters, no NUL. */
class ErrorTextTest {
    @Test
    void shouldKeepShortTextAsItIs() {
        assertEquals("HTTP 500: \"no\", {x} \\ ✓", WebhookSender.truncate("HTTP 500: \"no\", {x} \\ ✓"));
    }

    @Test
    void shouldReplaceNulWhichPostgresqlRefuses() {
        assertEquals("a\uFFFDb\uFFFD", WebhookSender.truncate("a\0b\0"));
    }

    @Test
    void shouldCutLongTextBetweenCharactersNotInsideASurrogatePair() {
        // 😀 is two UTF-16 units: a cut at 997 units would fall inside one, at either parity
        for (String prefix : new String[] {"", "x"}) {
            String text = WebhookSender.truncate(prefix + "😀".repeat(800));
            assertTrue(text.length() <= 1000, "at most 1,000 characters: " + text.length());
            assertTrue(text.endsWith("..."));
            String kept = text.substring(0, text.length() - 3);
            assertFalse(Character.isHighSurrogate(kept.charAt(kept.length() - 1)), "no half of a pair at the end");
            assertEquals(
                    kept,
                    new String(
                            kept.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            java.nio.charset.StandardCharsets.UTF_8),
                    "encodes as UTF-8 and back unchanged");
        }
    }
}
