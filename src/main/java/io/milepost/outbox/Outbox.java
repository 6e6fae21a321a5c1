package io.milepost.outbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.Json;
import io.milepost.engine.UserState;
import io.milepost.store.RowWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Writes messages for the outside world into the outbox table, inside the caller's transaction,
 * in the webhook body's final shape: {@code {type, timestamp, data: {userId, milestone | action,
 * payload, user}}}.
 */
@ApplicationScoped
public class Outbox {
    public static final String MILESTONE_REACHED = "milestone.reached";
    public static final String MILESTONE_STALLED = "milestone.stalled";
    public static final String ACTION_TRIGGERED = "action.triggered";
    /** A SMART target's status changed; about a target, not a user. */
    public static final String TARGET_STATUS_CHANGED = "target.status_changed";
    /** Operational: an endpoint was disabled automatically; sent to the endpoints that list it in their types. */
    public static final String ENDPOINT_DISABLED = "webhook.endpoint.disabled";
    /** Message types about the webhooks themselves, delivered only to endpoints that name them. */
    public static final Set<String> OPERATIONAL = Set.of(ENDPOINT_DISABLED);

    private static final HexFormat HEX = HexFormat.of();

    private final RowWriter rows;
    private final ObjectMapper mapper;
    private final TransactionSynchronizationRegistry transactions;
    private final OutboxSignal signal;

    public Outbox(
            RowWriter rows, ObjectMapper mapper, TransactionSynchronizationRegistry transactions, OutboxSignal signal) {
        this.rows = rows;
        this.mapper = mapper;
        this.transactions = transactions;
        this.signal = signal;
    }

    public void milestoneReached(UserState user, String stage, String milestone, Instant at, Instant now) {
        write(MILESTONE_REACHED, user, stage, "milestone", milestone, Map.of("reachedAt", at.toString()), at, now);
    }

    public void milestoneStalled(UserState user, String stage, String milestone, Instant since, Instant now) {
        write(MILESTONE_STALLED, user, stage, "milestone", milestone, Map.of("since", since.toString()), since, now);
    }

    public void actionTriggered(
            UserState user, String stage, String action, Map<String, Object> payload, Instant at, Instant now) {
        write(ACTION_TRIGGERED, user, stage, "action", action, payload, at, now);
    }

    /**
     * {@code webhook.endpoint.disabled}: {@code {type, timestamp, data: {endpointId, url, reason,
     * failingSince, disabledAt}}}, about no user.
     */
    public void endpointDisabled(String endpointId, String url, String reason, Instant failingSince, Instant now) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("endpointId", endpointId);
        data.put("url", url);
        data.put("reason", reason);
        data.put("failingSince", failingSince == null ? null : failingSince.toString());
        data.put("disabledAt", now.toString());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", ENDPOINT_DISABLED);
        body.put("timestamp", now.toString());
        body.put("data", data);
        rows.outbox(ENDPOINT_DISABLED, null, endpointId, Json.write(mapper, body), now, now, newWebhookId());
        wakeDispatcherAfterCommit();
    }

    /**
     * A target's status changed: a message about a target, not a user ({@code data} holds the target
     * and both statuses; no {@code userId}). Its subject is the target's id.
     */
    public void targetStatusChanged(String targetId, Map<String, Object> data, Instant at, Instant now) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TARGET_STATUS_CHANGED);
        body.put("timestamp", at.toString());
        body.put("data", data);
        rows.outbox(TARGET_STATUS_CHANGED, null, targetId, Json.write(mapper, body), at, now, newWebhookId());
        wakeDispatcherAfterCommit();
    }

    private void write(
            String type,
            UserState user,
            String stage,
            String subjectKey,
            String subject,
            Map<String, Object> payload,
            Instant occurredAt,
            Instant now) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("userId", user.id());
        data.put(subjectKey, subject);
        data.put("payload", payload);
        data.put("user", snapshot(user, stage));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("timestamp", occurredAt.toString());
        body.put("data", data);
        rows.outbox(type, user.id(), subject, Json.write(mapper, body), occurredAt, now, newWebhookId());
        wakeDispatcherAfterCommit();
    }

    /** {@code msg_} and 128 random bits: unique across databases, so receivers can deduplicate on it. */
    static String newWebhookId() {
        UUID u = UUID.randomUUID();
        return "msg_" + HEX.toHexDigits(u.getMostSignificantBits()) + HEX.toHexDigits(u.getLeastSignificantBits());
    }

    private void wakeDispatcherAfterCommit() {
        if (transactions.getResource(OutboxSignal.class) != null) {
            return;
        }
        transactions.putResource(OutboxSignal.class, Boolean.TRUE);
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    signal.outboxWritten();
                }
            }
        });
    }

    /** The compact user snapshot that travels with every message. */
    static Map<String, Object> snapshot(UserState user, String stage) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("userId", user.id());
        s.put("signedUpAt", user.signedUpAt() == null ? null : user.signedUpAt().toString());
        s.put("stage", stage);
        s.put("traits", user.traits());
        s.put("milestones", List.copyOf(user.milestones().keySet()));
        return s;
    }
}
