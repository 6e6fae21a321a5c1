package io.milepost.webhook;

import io.milepost.common.ApiException;
import io.milepost.common.FieldError;
import io.milepost.config.MilepostConfig;
import io.milepost.outbox.Outbox;
import io.milepost.outbox.OutboxSignal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Webhook endpoints (register, change, rotate, delete) and their deliveries (list, retry). */
@ApplicationScoped
public class WebhookService {
    static final Set<String> TYPES = Set.of(
            Outbox.MILESTONE_REACHED,
            Outbox.MILESTONE_STALLED,
            Outbox.ACTION_TRIGGERED,
            Outbox.ENDPOINT_DISABLED,
            Outbox.TARGET_STATUS_CHANGED);
    static final int MAX_LIMIT = 500;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EntityManager em;
    private final Clock clock;
    private final AddressGuard guard;
    private final Duration rotationOverlap;
    private final EndpointSwitch endpointSwitch;
    private final EndpointHealth health;
    private final DeliveryQueue queue;
    private final OutboxSignal signal;

    public WebhookService(
            EntityManager em,
            Clock clock,
            MilepostConfig config,
            EndpointSwitch endpointSwitch,
            EndpointHealth health,
            DeliveryQueue queue,
            OutboxSignal signal,
            AddressGuard guard) {
        this.em = em;
        this.clock = clock;
        this.guard = guard;
        this.rotationOverlap = config.webhooks().secretRotationOverlap();
        this.endpointSwitch = endpointSwitch;
        this.health = health;
        this.queue = queue;
        this.signal = signal;
    }

    /** What a caller may set on an endpoint; absent fields are left as they are (on change). */
    public record EndpointRequest(
            String url, List<String> types, List<String> actions, String description, Boolean enabled) {}

    @Transactional
    public WebhookView.Created create(EndpointRequest request) {
        if (request == null || request.url() == null) {
            throw invalid("url", "url is required");
        }
        Instant now = clock.instant();
        WebhookEndpoint e = new WebhookEndpoint();
        e.id = "ep_" + HexFormat.of().formatHex(randomBytes(12));
        e.secret = WebhookSignature.newSecret();
        e.enabled = true;
        e.createdAt = now;
        apply(e, request);
        if (Boolean.FALSE.equals(request.enabled())) {
            e.enabled = false;
            e.disabledReason = "created disabled";
        }
        e.updatedAt = now;
        em.persist(e);
        return new WebhookView.Created(WebhookView.of(e, EndpointHealth.Health.NEW), e.secret);
    }

    /** Whether some enabled endpoint receives the {@code action.triggered} messages of an action, by its name. */
    public java.util.function.Predicate<String> actionReceivers() {
        List<WebhookEndpoint.Filter> filters = em.createQuery(
                        "from WebhookEndpoint e where e.enabled = true", WebhookEndpoint.class)
                .getResultStream()
                .map(WebhookEndpoint::filter)
                .toList();
        return action -> filters.stream().anyMatch(f -> f.accepts(io.milepost.outbox.Outbox.ACTION_TRIGGERED, action));
    }

    public List<WebhookView> list() {
        return em
                .createQuery("from WebhookEndpoint e order by e.createdAt, e.id", WebhookEndpoint.class)
                .getResultList()
                .stream()
                .map(e -> WebhookView.of(e, health.of(e)))
                .toList();
    }

    public Optional<WebhookView> get(String id) {
        return find(id, false).map(e -> WebhookView.of(e, health.of(e)));
    }

    @Transactional
    public Optional<WebhookView> update(String id, EndpointRequest request) {
        if (request == null) {
            throw ApiException.badRequest("a JSON object with the fields to change is required");
        }
        WebhookEndpoint e = find(id, true).orElse(null);
        if (e == null) {
            return Optional.empty();
        }
        apply(e, request);
        Instant now = clock.instant();
        e.updatedAt = now;
        if (request.enabled() != null && request.enabled() != e.enabled) {
            em.flush(); // the switch writes the row itself; then it is read back
            if (request.enabled()) {
                endpointSwitch.enable(id, now);
            } else {
                endpointSwitch.disable(e, EndpointSwitch.Why.API, "disabled through the API", now);
            }
            em.refresh(e);
        }
        return Optional.of(WebhookView.of(e, health.of(e)));
    }

    /** Removes the endpoint and its deliveries; answers whether there was one. */
    @Transactional
    public boolean delete(String id) {
        Optional<WebhookEndpoint> e = find(id, true);
        e.ifPresent(em::remove);
        return e.isPresent();
    }

    /**
     * Gives the endpoint a new secret. The old one keeps signing next to it (two signatures in
     * {@code webhook-signature}) for {@code milepost.webhooks.secret-rotation-overlap}, so receivers
     * can switch without dropping messages.
     */
    @Transactional
    public Optional<WebhookView.Rotated> rotate(String id) {
        WebhookEndpoint e = find(id, true).orElse(null);
        if (e == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        e.previousSecret = e.secret;
        e.previousSecretUntil = now.plus(rotationOverlap);
        e.secret = WebhookSignature.newSecret();
        e.updatedAt = now;
        return Optional.of(new WebhookView.Rotated(e.id, e.secret, e.previousSecretUntil));
    }

    public DeliveryView.Page deliveries(String status, String endpointId, int limit, String cursor) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw invalid("limit", "limit must be between 1 and " + MAX_LIMIT);
        }
        if (status != null
                && !List.of(Delivery.PENDING, Delivery.DELIVERED, Delivery.FAILED)
                        .contains(status)) {
            throw invalid("status", "status must be pending, delivered or failed");
        }
        long before = Long.MAX_VALUE;
        if (cursor != null) {
            try {
                before = Long.parseLong(cursor);
            } catch (NumberFormatException e) {
                throw invalid("cursor", "cursor is not one this API gave out");
            }
        }
        StringBuilder jpql = new StringBuilder("from Delivery d where d.id < :before");
        if (status != null) {
            jpql.append(" and d.status = :status");
        }
        if (endpointId != null) {
            jpql.append(" and d.endpointId = :endpoint");
        }
        var query = em.createQuery(jpql.append(" order by d.id desc").toString(), Delivery.class)
                .setParameter("before", before)
                .setMaxResults(limit + 1);
        if (status != null) {
            query.setParameter("status", status);
        }
        if (endpointId != null) {
            query.setParameter("endpoint", endpointId);
        }
        List<Delivery> rows = query.getResultList();
        boolean more = rows.size() > limit;
        List<Delivery> shown = more ? rows.subList(0, limit) : rows;
        return new DeliveryView.Page(
                shown.stream().map(d -> DeliveryView.of(d, null)).toList(),
                more ? Long.toString(shown.get(shown.size() - 1).id) : null);
    }

    public Optional<DeliveryView.Detail> delivery(long id) {
        return Optional.ofNullable(em.find(Delivery.class, id)).map(d -> DeliveryView.Detail.of(d, attempts(d)));
    }

    /**
     * Queues a failed (or delivered) delivery for one more attempt now, with the same
     * {@code webhook-id}, so receivers that already have it can tell.
     */
    @Transactional
    public Optional<DeliveryView> retry(long id) {
        Delivery d = em.find(Delivery.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (d == null) {
            return Optional.empty();
        }
        if (Delivery.PENDING.equals(d.status)) {
            throw new ApiException(409, "conflict", "delivery " + id + " is already queued");
        }
        WebhookEndpoint endpoint = em.find(WebhookEndpoint.class, d.endpointId);
        if (!endpoint.enabled) {
            throw new ApiException(
                    409,
                    "conflict",
                    "endpoint " + endpoint.id + " is disabled (" + endpoint.disabledReason + "); enable it first");
        }
        if (Delivery.DELIVERED.equals(d.status)) {
            // the successful attempt lived on the row only; keep it in the log before the row moves on
            DeliveryQueue.AttemptRow last = new DeliveryQueue.AttemptRow(
                    d.id,
                    d.attempts,
                    d.lastAttemptAt,
                    d.lastStatusCode,
                    null,
                    d.lastDurationMs == null ? 0 : d.lastDurationMs);
            Jdbc.call(em, c -> {
                queue.logAttempts(c, List.of(last));
                return null;
            });
        }
        d.status = Delivery.PENDING;
        d.attemptsLeft = 1;
        d.deliveredAt = null;
        d.nextAttemptAt = clock.instant();
        signal.wake();
        return Optional.of(DeliveryView.of(d, attempts(d)));
    }

    /** Every attempt: the failed ones are logged in delivery_attempts, a successful last one is on the delivery's row. */
    private List<DeliveryView.AttemptView> attempts(Delivery d) {
        List<DeliveryView.AttemptView> log = new ArrayList<>(loggedAttempts(d.id));
        if (Delivery.DELIVERED.equals(d.status)) {
            log.add(new DeliveryView.AttemptView(
                    d.attempts,
                    d.lastAttemptAt,
                    d.lastStatusCode,
                    null,
                    d.lastDurationMs == null ? 0 : d.lastDurationMs));
        }
        return log;
    }

    private List<DeliveryView.AttemptView> loggedAttempts(long deliveryId) {
        return Jdbc.call(em, c -> queue.attempts(c, deliveryId)).stream()
                .map(a -> new DeliveryView.AttemptView(
                        a.attempt(), a.startedAt(), a.statusCode(), a.error(), a.durationMs()))
                .toList();
    }

    private Optional<WebhookEndpoint> find(String id, boolean lock) {
        return Optional.ofNullable(
                lock
                        ? em.find(WebhookEndpoint.class, id, LockModeType.PESSIMISTIC_WRITE)
                        : em.find(WebhookEndpoint.class, id));
    }

    private void apply(WebhookEndpoint e, EndpointRequest r) {
        List<FieldError> errors = new ArrayList<>();
        if (r.url() != null) {
            try {
                guard.resolve(r.url());
                e.url = r.url().trim();
            } catch (AddressGuard.Refused refused) {
                errors.add(new FieldError(null, "url", refused.getMessage()));
            }
        }
        if (r.types() != null) {
            List<String> bad = r.types().stream()
                    .filter(t -> t == null || !TYPES.contains(t))
                    .toList();
            if (!bad.isEmpty()) {
                errors.add(
                        new FieldError(
                                null,
                                "types",
                                "unknown message type(s) " + bad
                                        + "; use milestone.reached, milestone.stalled, action.triggered, webhook.endpoint.disabled"));
            } else if (r.types().isEmpty()) {
                errors.add(
                        new FieldError(null, "types", "types must not be empty; leave it out to receive every type"));
            } else {
                e.types = WebhookEndpoint.join(List.copyOf(new LinkedHashSet<>(r.types())));
            }
        }
        if (r.actions() != null) {
            if (r.actions().isEmpty()) {
                errors.add(new FieldError(
                        null, "actions", "actions must not be empty; leave it out to receive every action"));
            } else if (r.actions().stream()
                    .anyMatch(a -> a == null || a.isBlank() || a.length() > 200 || a.contains(","))) {
                errors.add(new FieldError(
                        null, "actions", "each action must be a name of 1 to 200 characters without commas"));
            } else {
                e.actions = WebhookEndpoint.join(List.copyOf(new LinkedHashSet<>(r.actions())));
                if (e.actions.length() > 4000) {
                    errors.add(new FieldError(null, "actions", "the action names add up to more than 4000 characters"));
                }
            }
        }
        if (r.description() != null) {
            if (r.description().length() > 500) {
                errors.add(new FieldError(null, "description", "description is longer than 500 characters"));
            } else {
                e.description = r.description();
            }
        }
        if (!errors.isEmpty()) {
            throw new ApiException(400, "invalid_request", errors.get(0).message(), errors);
        }
    }

    private static ApiException invalid(String field, String message) {
        return new ApiException(400, "invalid_request", message, List.of(new FieldError(null, field, message)));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
