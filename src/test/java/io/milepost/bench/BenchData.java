package io.milepost.bench;

import io.milepost.engine.JourneyEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Synthetic track events for the benchmark: {@code events} events spread over {@code users} users,
 * names from the example journey (plus page views), timestamps in the past 30 days. Deterministic
 * for a given seed. Events are sorted by time and cut into batches, the way live traffic arrives.
 */
final class BenchData {

    /** One track event, with its properties already as JSON text (what the service stores). */
    record Ev(
            int user,
            String messageId,
            String userId,
            String name,
            Map<String, Object> properties,
            String propertiesJson,
            Instant timestamp) {}

    private static final String[] NAMES = {
        "search_performed", "page_viewed", "list_created", "export_completed", "teammate_invited"
    };
    /** Cumulative weights (percent) for NAMES. */
    private static final int[] WEIGHTS = {45, 65, 80, 92, 100};

    final List<Ev> events;
    final int users;

    private BenchData(List<Ev> events, int users) {
        this.events = events;
        this.users = users;
    }

    static BenchData generate(String tag, int eventCount, int userCount, long seed, Instant now) {
        return generate(tag, eventCount, userCount, seed, now, false);
    }

    /** The same, with exactly {@code eventsPerUser} events for each user. */
    static BenchData evenlySpread(String tag, int userCount, int eventsPerUser, long seed, Instant now) {
        return generate(tag, userCount * eventsPerUser, userCount, seed, now, true);
    }

    private static BenchData generate(String tag, int eventCount, int userCount, long seed, Instant now, boolean even) {
        Random random = new Random(seed);
        Instant[] start = new Instant[userCount];
        long window = Duration.ofDays(30).minusHours(2).toSeconds();
        Instant earliest = now.minus(Duration.ofDays(30));
        for (int u = 0; u < userCount; u++) {
            start[u] = earliest.plusSeconds((long) (random.nextDouble() * window));
        }
        List<Ev> events = new ArrayList<>(eventCount);
        for (int i = 0; i < eventCount; i++) {
            int u = even
                    ? i % userCount
                    : i < userCount ? i : random.nextInt(userCount); // every user has at least one event
            long span = Duration.between(start[u], now.minusSeconds(60)).toSeconds();
            Instant at = start[u].plusSeconds((long) (random.nextDouble() * span));
            int w = random.nextInt(100);
            int n = 0;
            while (w >= WEIGHTS[n]) {
                n++;
            }
            String name = NAMES[n];
            Map<String, Object> props = properties(name, random);
            events.add(new Ev(u, tag + "-m" + i, tag + "-u" + u, name, props, json(props), at));
        }
        events.sort(Comparator.comparing(Ev::timestamp).thenComparing(Ev::messageId));
        return new BenchData(events, userCount);
    }

    private static Map<String, Object> properties(String name, Random random) {
        Map<String, Object> p = new LinkedHashMap<>();
        switch (name) {
            case "search_performed" -> {
                p.put("query", "term " + random.nextInt(1000));
                p.put("results", random.nextInt(200));
            }
            case "page_viewed" -> p.put("path", "/lists/" + random.nextInt(100));
            case "list_created" -> p.put("listId", "L" + random.nextInt(1_000_000));
            case "export_completed" -> p.put("format", random.nextBoolean() ? "csv" : "sheets");
            default -> p.put("role", "member");
        }
        return p;
    }

    /** Minimal JSON for the flat string/int maps above (same text Jackson writes for them). */
    private static String json(Map<String, Object> props) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : props.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('"').append(e.getKey()).append("\":");
            if (e.getValue() instanceof String s) {
                b.append('"').append(s).append('"');
            } else {
                b.append(e.getValue());
            }
        }
        return b.append('}').toString();
    }

    /** The events, in time order, cut into consecutive batches of {@code size}. */
    List<List<Ev>> batches(int size) {
        return cut(events, size);
    }

    /**
     * The events split by user into {@code parts} streams (user index modulo parts), each in time
     * order and cut into batches of {@code size}: one stream per client, so that no two clients
     * ever send the same user.
     */
    List<List<List<Ev>>> partitioned(int parts, int size) {
        List<List<Ev>> streams = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            streams.add(new ArrayList<>());
        }
        for (Ev e : events) {
            streams.get(e.user() % parts).add(e);
        }
        return streams.stream().map(s -> cut(s, size)).toList();
    }

    private static List<List<Ev>> cut(List<Ev> list, int size) {
        List<List<Ev>> batches = new ArrayList<>();
        for (int i = 0; i < list.size(); i += size) {
            batches.add(list.subList(i, Math.min(list.size(), i + size)));
        }
        return batches;
    }

    /** A /v1/batch body for the events. */
    static byte[] body(List<Ev> batch) {
        StringBuilder b = new StringBuilder(batch.size() * 200).append("{\"batch\":[");
        for (int i = 0; i < batch.size(); i++) {
            Ev e = batch.get(i);
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"type\":\"track\",\"userId\":\"")
                    .append(e.userId())
                    .append("\",\"messageId\":\"")
                    .append(e.messageId())
                    .append("\",\"event\":\"")
                    .append(e.name())
                    .append("\",\"timestamp\":\"")
                    .append(e.timestamp())
                    .append("\",\"properties\":")
                    .append(e.propertiesJson())
                    .append('}');
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The events as engine inputs, per user, in arrival order. */
    Map<String, List<JourneyEngine.Input>> inputsByUser() {
        Map<String, List<JourneyEngine.Input>> byUser = new LinkedHashMap<>();
        for (Ev e : events) {
            byUser.computeIfAbsent(e.userId(), k -> new ArrayList<>())
                    .add(JourneyEngine.Input.track(e.messageId(), e.name(), e.properties(), e.timestamp()));
        }
        return byUser;
    }
}
