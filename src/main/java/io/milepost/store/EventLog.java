package io.milepost.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.Json;
import io.milepost.engine.JourneyEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads users' stored events back, as the engine takes them, for replays. Never changes them. */
@ApplicationScoped
public class EventLog {

    /**
     * One stored call, its properties or traits still JSON text. {@code type}: track, identify, page,
     * screen, group or alias; {@code name}: the event name, a group's account id or an alias's previous id.
     */
    public record Stored(String messageId, String type, String name, String payload, Instant at) {}

    private final EntityManager em;
    private final ObjectMapper mapper;

    public EventLog(EntityManager em, ObjectMapper mapper) {
        this.em = em;
        this.mapper = mapper;
    }

    /** Each user's stored events in event-time order (ties in storage order), with one query. */
    public Map<String, List<Stored>> load(Collection<String> userIds) {
        Map<String, List<Stored>> byUser = new HashMap<>();
        if (userIds.isEmpty()) {
            return byUser;
        }
        Sql.run(em, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT user_id, message_id, type, name, payload, occurred_at "
                            + "FROM events WHERE user_id = ANY(?) ORDER BY user_id, occurred_at, id")) {
                ps.setArray(1, Sql.strings(c, userIds));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byUser.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(new Stored(
                                        rs.getString(2),
                                        rs.getString(3),
                                        rs.getString(4),
                                        rs.getString(5),
                                        Sql.instant(rs, 6)));
                    }
                }
            }
        });
        return byUser;
    }

    /**
     * The call as the engine took it: a track (page and screen views are tracks) with its properties,
     * an identify with its traits, a group with the traits it sent, an alias as an identify without traits.
     */
    public JourneyEngine.Input input(Stored e) {
        Map<String, Object> data = Json.readMap(mapper, e.payload());
        return switch (e.type()) {
            case "identify" -> JourneyEngine.Input.identify(e.messageId(), data, e.at());
            case "alias" -> JourneyEngine.Input.identify(e.messageId(), Map.of(), e.at());
            case "group" -> JourneyEngine.Input.group(e.messageId(), e.name(), data, e.at());
            default -> JourneyEngine.Input.track(e.messageId(), e.name(), data, e.at());
        };
    }
}
