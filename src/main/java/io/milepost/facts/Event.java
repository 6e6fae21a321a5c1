package io.milepost.facts;

import java.time.Instant;
import java.util.Map;

/**
 * The event being processed in this evaluation (absent when the scheduler evaluates a user).
 *
 * <pre>Event( name == "export_completed", property("format") == "csv" )</pre>
 */
public final class Event {
    private final String name;
    private final Map<String, Object> properties;
    private final Instant timestamp;

    public Event(String name, Map<String, Object> properties, Instant timestamp) {
        this.name = name;
        this.properties = properties;
        this.timestamp = timestamp;
    }

    /** The event name. */
    public String getName() {
        return name;
    }

    /** A property of the event, e.g. {@code property("format")}; null when absent. */
    public Object property(String key) {
        return properties.get(key);
    }

    /** All properties, read-only. */
    public Map<String, Object> getProperties() {
        return properties;
    }

    /** When it happened (after clock-skew correction). */
    public Instant getTimestamp() {
        return timestamp;
    }

    @Override
    public String toString() {
        return "Event[" + name + " @ " + timestamp + "]";
    }
}
