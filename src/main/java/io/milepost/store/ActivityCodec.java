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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A user's per-event, per-UTC-day counts as one JSON document in the user's row, each day as
 * {@code [epoch day, count, first, last, ...]} with first and last in microseconds since the day's
 * start, followed, for a day of 3 to {@link EventHistory#TIMES_PER_DAY} occurrences, by the times
 * between them (so rolling windows count exactly; a busier day, or one written before the times were
 * kept, has just the four numbers):
 * {@code {"search_performed": [[20413, 5, 36000000000, 36240000000, 36060000000, 36120000000, 36180000000], ...]}}
 * (2025-11-21, five searches, one a minute from 10:00 to 10:04 UTC). Numbers rather than ISO text: the document is read and
 * written for every user a request touches, and parsing dates was a tenth of ingestion's time.
 * Documents of the earlier form ({@code ["2026-11-21", 5, "2026-11-21T10:00:00Z", ...]}) are
 * read as well, and rewritten in this one at the user's next write.
 * One row per user rather than one per (user, event, day): loading and saving a user's activity is
 * one read and one update, whatever their history (see docs/adr/0004).
 */
final class ActivityCodec {
    private static final JsonFactory JSON = new JsonFactory();
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    private ActivityCodec() {}

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
                    long dayStart = day.toEpochDay() * MICROS_PER_DAY;
                    g.writeStartArray();
                    g.writeNumber(day.toEpochDay());
                    g.writeNumber(d.count());
                    g.writeNumber(micros(d.firstAt()) - dayStart);
                    g.writeNumber(micros(d.lastAt()) - dayStart);
                    Instant[] times = d.times();
                    if (times != null && d.count() > 2) {
                        for (int i = 1; i < times.length - 1; i++) {
                            g.writeNumber(micros(times[i]) - dayStart);
                        }
                    }
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
                    if (p.nextToken() == JsonToken.VALUE_STRING) {
                        // the earlier form: ISO date and times
                        LocalDate day = LocalDate.parse(p.getText());
                        expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT);
                        int count = p.getIntValue();
                        p.nextToken();
                        Instant first = Instant.parse(p.getText());
                        p.nextToken();
                        Instant last = Instant.parse(p.getText());
                        expect(p.nextToken(), JsonToken.END_ARRAY);
                        h.load(day, count, first, last, null);
                        continue;
                    }
                    long epochDay = p.getLongValue();
                    expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT);
                    int count = p.getIntValue();
                    expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT);
                    long first = p.getLongValue();
                    expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT);
                    long last = p.getLongValue();
                    if (count < 1 || first < 0 || last < first || last >= MICROS_PER_DAY) {
                        throw new IOException(
                                "day " + epochDay + " has count " + count + ", times " + first + ".." + last);
                    }
                    long dayStart = epochDay * MICROS_PER_DAY;
                    List<Instant> middle = new ArrayList<>();
                    while (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                        long t = p.getLongValue();
                        if (t < first || t > last) {
                            throw new IOException(
                                    "day " + epochDay + " has a time " + t + " outside " + first + ".." + last);
                        }
                        middle.add(instant(dayStart + t));
                    }
                    expect(p.currentToken(), JsonToken.END_ARRAY);
                    Instant firstAt = instant(dayStart + first);
                    Instant lastAt = instant(dayStart + last);
                    Instant[] times = null;
                    if (count <= 2 || middle.size() == count - 2) {
                        times = new Instant[count];
                        times[0] = firstAt;
                        times[count - 1] = lastAt;
                        for (int i = 0; i < middle.size(); i++) {
                            times[i + 1] = middle.get(i);
                        }
                    } else if (!middle.isEmpty()) {
                        throw new IOException(
                                "day " + epochDay + " has count " + count + " but " + middle.size() + " times between");
                    }
                    h.load(LocalDate.ofEpochDay(epochDay), count, firstAt, lastAt, times);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("stored activity is unreadable: " + e.getMessage(), e);
        }
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    private static void expect(JsonToken got, JsonToken wanted) throws IOException {
        if (got != wanted) {
            throw new IOException("expected " + wanted + " but found " + got);
        }
    }
}
