package io.milepost.ingest;

import java.time.Instant;
import java.util.Map;

/**
 * A validated track or identify, ready to store and evaluate.
 *
 * @param data        the event's properties (track) or the user's traits (identify)
 * @param dataJson    {@code data} as JSON text, for the event log
 * @param timestamp   when it happened, skew-corrected
 */
public record IncomingMessage(Type type, String messageId, String userId, String event, Map<String, Object> data,
                              String dataJson, Instant timestamp) {

    public enum Type {
        TRACK, IDENTIFY;

        public String wire() {
            return name().toLowerCase();
        }
    }
}
