package io.milepost.webhook;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every SQL statement of webhook delivery, on the caller's connection and transaction. One
 * implementation per database ({@link H2DeliveryQueue}, {@link PostgresDeliveryQueue}); the
 * dispatcher's logic never asks which one it has. Rows travel as the records below.
 */
public interface DeliveryQueue {

    /** An outbox message not fanned out yet; {@code body} is read only when asked for. */
    record OutboxMessage(long id, String type, String subject, String userId, String webhookId, String body) {}

    /** A delivery the fan-out writes; a claimed one counts its first attempt and holds the lease. */
    record NewDelivery(
            long id,
            long messageId,
            String endpointId,
            String webhookId,
            String type,
            String userId,
            String subject,
            boolean claimed) {}

    /** How many due deliveries of one endpoint a claim may take. */
    record EndpointRoom(String endpointId, int room) {}

    /** A delivery claimed for one attempt: {@code attempt} is this attempt's number, {@code attemptsLeft} counts it. */
    record Claim(long deliveryId, int attempt, int attemptsLeft, String endpointId, String webhookId, long messageId) {}

    /** What a delivery's row becomes after an attempt; {@code nextAttemptAt} null once it is finished. */
    record OutcomeRow(
            long deliveryId,
            int attempt,
            String status,
            int attemptsLeft,
            Instant nextAttemptAt,
            Integer statusCode,
            String error,
            int durationMs,
            Instant deliveredAt) {}

    /** One line of a delivery's attempt log. */
    record AttemptRow(
            long deliveryId, int attempt, Instant startedAt, Integer statusCode, String error, int durationMs) {}

    /** Attempts of one endpoint in one minute with one outcome ({@code delivered | retrying | failed}) and latency bucket. */
    record StatRow(String endpointId, Instant minute, String outcome, int latencyBucket, int attempts) {}

    /** An endpoint's failure record after a cycle: since when every attempt failed (null: the last succeeded), its last error. */
    record EndpointState(
            String endpointId, Instant failingSince, Instant lastErrorAt, Integer lastErrorStatus, String lastError) {}

    /** Pending deliveries of an endpoint: how many, and when the oldest was created (null if none). */
    record Waiting(long count, Instant oldestCreatedAt) {}

    /**
     * Called first in each dispatcher transaction; PostgreSQL restricts the planner to index scans
     * (ADR 7), so every statement below must be a look-up by key or the oldest entries of an index.
     */
    void begin(Connection c) throws SQLException;

    /** Locks up to {@code limit} undispatched messages, oldest first ({@code FOR UPDATE SKIP LOCKED}). */
    List<OutboxMessage> takeMessages(Connection c, int limit, boolean withBodies) throws SQLException;

    void markDispatched(Connection c, List<Long> messageIds, Instant now) throws SQLException;

    /** Writes new deliveries: claimed ones with attempt 1 and the lease, the rest due {@code now}. */
    void insert(Connection c, List<NewDelivery> deliveries, int attempts, Instant now, Instant leaseEnd)
            throws SQLException;

    /**
     * Locks due deliveries ({@code FOR UPDATE SKIP LOCKED}), endpoint by endpoint in the given order,
     * each up to its room, earliest due first; counts the attempt and moves the due time to the lease.
     */
    List<Claim> claim(Connection c, List<EndpointRoom> rooms, Instant now, Instant leaseEnd) throws SQLException;

    Map<Long, byte[]> bodies(Connection c, Collection<Long> messageIds) throws SQLException;

    /** Writes outcomes, each only if its delivery is still pending under the same attempt; answers the ids written. */
    Set<Long> record(Connection c, List<OutcomeRow> outcomes) throws SQLException;

    /**
     * Marks the signup days of the users of these delivered deliveries for a recount of the action
     * KPIs ("delivered"), when they carry an action.
     */
    void markKpiDays(Connection c, Collection<Long> deliveredIds) throws SQLException;

    /** The one place that writes {@code delivery_attempts}. */
    void logAttempts(Connection c, List<AttemptRow> attempts) throws SQLException;

    /** A delivery's logged attempts, in order. */
    List<AttemptRow> attempts(Connection c, long deliveryId) throws SQLException;

    /** Adds attempts to the per-minute statistics (rows sorted by key, so instances never deadlock on them). */
    void countAttempts(Connection c, List<StatRow> stats) throws SQLException;

    void saveEndpointStates(Connection c, List<EndpointState> states) throws SQLException;

    /** Every endpoint (there are few), not managed by the entity manager. */
    List<WebhookEndpoint> endpoints(Connection c) throws SQLException;

    /** Disables an enabled endpoint; answers whether this call did (false if it was already off or is gone). */
    boolean disable(Connection c, String endpointId, String reason, Instant now) throws SQLException;

    /** Enables an endpoint; its pending deliveries are due at {@code now}. Answers whether this call did. */
    boolean enable(Connection c, String endpointId, Instant now) throws SQLException;

    /** The earliest due time of a pending delivery of an enabled endpoint (a retry, or a lease running out), or null. */
    Instant nextDue(Connection c) throws SQLException;

    /** Pending deliveries of enabled endpoints, plus messages not yet fanned out. */
    long depth(Connection c) throws SQLException;

    /** Hands claimed but unstarted attempts back, due at {@code now}. */
    void release(Connection c, List<Long> deliveryIds, Instant now) throws SQLException;

    List<StatRow> stats(Connection c, String endpointId, Instant since) throws SQLException;

    Waiting waiting(Connection c, String endpointId) throws SQLException;

    void purgeStats(Connection c, Instant before) throws SQLException;
}
