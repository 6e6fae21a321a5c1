package io.milepost.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.Json;
import io.milepost.engine.JourneyEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
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
        for (Row e : em.createQuery(
                        "select e.userId, e.messageId, e.type, e.name, e.payload, e.occurredAt "
                                + "from EventEntity e where e.userId in :ids order by e.userId, e.occurredAt, e.id",
                        Row.class)
                .setParameter("ids", userIds)
                .getResultList()) {
            byUser.computeIfAbsent(e.userId(), k -> new ArrayList<>())
                    .add(new Stored(e.messageId(), e.type(), e.name(), e.payload(), e.occurredAt()));
        }
        return byUser;
    }

    /** One stored event with its user, as the query selects it. */
    record Row(String userId, String messageId, String type, String name, String payload, Instant occurredAt) {}

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
