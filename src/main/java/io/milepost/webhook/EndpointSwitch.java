package io.milepost.webhook;

import io.milepost.outbox.Outbox;
import io.milepost.outbox.OutboxSignal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * The one way an endpoint is turned off or on, in the caller's transaction, whoever asks (the API,
 * a 410 answer, or failing for {@code milepost.webhooks.disable-after}). A disabled endpoint gets no
 * new deliveries; its pending ones keep their place and are due at once when it is enabled again.
 */
@ApplicationScoped
public class EndpointSwitch {
    private static final Logger LOG = Logger.getLogger(EndpointSwitch.class);

    /** Who turned an endpoint off: the automatic reasons are counted and announced. */
    public enum Why {
        API,
        GONE,
        FAILING
    }

    private final EntityManager em;
    private final DeliveryQueue queue;
    private final Outbox outbox;
    private final OutboxSignal signal;
    private final DeliveryMetrics metrics;

    public EndpointSwitch(
            EntityManager em, DeliveryQueue queue, Outbox outbox, OutboxSignal signal, DeliveryMetrics metrics) {
        this.em = em;
        this.queue = queue;
        this.outbox = outbox;
        this.signal = signal;
        this.metrics = metrics;
    }

    /**
     * Disables the endpoint if it is enabled; answers whether this call did. Automatic disabling is
     * logged, counted ({@code milepost.webhook.endpoints.disabled}) and announced with a
     * {@code webhook.endpoint.disabled} message to the endpoints that subscribe to it.
     */
    public boolean disable(WebhookEndpoint endpoint, Why why, String reason, Instant now) {
        if (!Jdbc.call(em, c -> queue.disable(c, endpoint.id, reason, now))) {
            return false;
        }
        endpoint.enabled = false;
        if (why == Why.API) {
            LOG.infof("webhook endpoint %s (%s) disabled through the API", endpoint.id, endpoint.url);
            return true;
        }
        LOG.warnf("webhook endpoint %s (%s) disabled: %s", endpoint.id, endpoint.url, reason);
        metrics.endpointDisabled(why.name().toLowerCase());
        outbox.endpointDisabled(endpoint.id, endpoint.url, reason, endpoint.failingSince, now);
        return true;
    }

    /** Enables the endpoint if it is disabled; its waiting deliveries are due at once. Answers whether this call did. */
    public boolean enable(String endpointId, Instant now) {
        boolean done = Jdbc.call(em, c -> queue.enable(c, endpointId, now));
        if (done) {
            LOG.infof("webhook endpoint %s enabled; its waiting deliveries are due", endpointId);
            signal.wake();
        }
        return done;
    }
}
