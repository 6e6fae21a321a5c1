package io.milepost.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.milepost.engine.EventHistory;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.function.Function;

/**
 * A user's per-event, per-UTC-day counts as one JSON document in the user's row:
 * {@code {"search_performed": [["2026-11-21", 5, "2026-11-21T10:00:00Z", "2026-11-21T10:04:00Z"], ...]}}.
 * One row per user rather than one per (user, event, day): loading and saving a user's activity is
 * one read and one update, whatever their history (see docs/adr/0004).
 */
final class ActivityCodec {
    private static final JsonFactory JSON = new JsonFactory();

    private ActivityCodec() {
    }

    static String write(Map<String, EventHistory> activity) {
        StringWriter out = new StringWriter(64 + activity.size() * 96);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (EventHistory h : activity.values()) {
                if (h.total() == 0) {
                    continue;
                }
                g.writeArrayFieldStart(h.event());
                for (LocalDate day : h.countsView().keySet()) {
                    EventHistory.Day d = h.day(day);
                    g.writeStartArray();
                    g.writeString(day.toString());
                    g.writeNumber(d.count());
                    g.writeString(d.firstAt().toString());
                    g.writeString(d.lastAt().toString());
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Reads the document into histories obtained from {@code history} (one per event name). */
    static void read(String json, Function<String, EventHistory> history) {
        if (json == null || json.isEmpty()) {
            return;
        }
        try (JsonParser p = JSON.createParser(json)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                EventHistory h = history.apply(p.currentName());
                expect(p.nextToken(), JsonToken.START_ARRAY);
                while (p.nextToken() == JsonToken.START_ARRAY) {
                    p.nextToken();
                    LocalDate day = LocalDate.parse(p.getText());
                    p.nextToken();
                    int count = p.getIntValue();
                    p.nextToken();
                    Instant first = Instant.parse(p.getText());
                    p.nextToken();
                    Instant last = Instant.parse(p.getText());
                    expect(p.nextToken(), JsonToken.END_ARRAY);
                    h.load(day, count, first, last);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("stored activity is unreadable: " + e.getMessage(), e);
        }
    }

    private static void expect(JsonToken got, JsonToken wanted) throws IOException {
        if (got != wanted) {
            throw new IOException("expected " + wanted + " but found " + got);
        }
    }
}
