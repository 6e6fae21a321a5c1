package io.milepost.user;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One entry of a user's timeline. {@code type} is {@code track}, {@code identify},
 * {@code milestone}, {@code stalled}, {@code action} or {@code rule_failure}; {@code name} is the
 * event, milestone or action; {@code data} holds properties, traits or payload; {@code message} is a
 * rule failure's text, or says that an action was recorded by a replay and not sent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TimelineItem(
        Instant at, String type, String name, Map<String, Object> data, String rule, String message, String messageId) {

    /** A page of the timeline, oldest first. */
    public record Page(List<TimelineItem> items, String nextCursor) {}
}
