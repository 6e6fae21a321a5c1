package io.milepost.ingest;

import java.time.Instant;
import java.util.Map;

/**
 * A validated Segment call, ready to store and evaluate.
 *
 * @param userId      the call's {@code userId}, or null (an anonymous call)
 * @param anonymousId the call's {@code anonymousId}, or null
 * @param event       the event name: a track's {@code event}, {@code page_viewed} or {@code screen_viewed};
 *                    a group's {@code groupId}; an alias's {@code previousId}; null for identify
 * @param data        the event's properties (track, page, screen) or traits (identify, group)
 * @param dataJson    {@code data} as JSON text, for the event log
 * @param timestamp   when it happened, skew-corrected
 * @param firstTouch  the first-touch traits its {@code context} gives (campaign, referrer), often none
 */
public record IncomingMessage(
        Type type,
        String messageId,
        String userId,
        String anonymousId,
        String event,
        Map<String, Object> data,
        String dataJson,
        Instant timestamp,
        Map<String, Object> firstTouch) {

    public enum Type {
        TRACK,
        IDENTIFY,
        PAGE,
        SCREEN,
        GROUP,
        ALIAS;

        public String wire() {
            return name().toLowerCase();
        }
    }

    /** The id the call is about, before aliases: its {@code userId}, else its {@code anonymousId}. */
    public String id() {
        return userId != null ? userId : anonymousId;
    }

    /**
     * The id this call ties to its {@code userId}, or null: an alias's {@code previousId}, or the
     * {@code anonymousId} of any other call that carries both.
     */
    public String linkedId() {
        if (userId == null) {
            return null;
        }
        String other = type == Type.ALIAS ? event : anonymousId;
        return other == null || other.equals(userId) ? null : other;
    }
}
