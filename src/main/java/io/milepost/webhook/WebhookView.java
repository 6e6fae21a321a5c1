package io.milepost.webhook;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.time.Instant;
import java.util.List;

/** A webhook endpoint as the API shows it: never with its secret, except right after creation or rotation. */
public record WebhookView(
        String id,
        String url,
        List<String> types,
        List<String> actions,
        String description,
        boolean enabled,
        String disabledReason,
        Instant createdAt,
        Instant updatedAt,
        EndpointHealth.Health health) {

    static WebhookView of(WebhookEndpoint e, EndpointHealth.Health health) {
        return new WebhookView(
                e.id,
                e.url,
                WebhookEndpoint.split(e.types),
                WebhookEndpoint.split(e.actions),
                e.description,
                e.enabled,
                e.disabledReason,
                e.createdAt,
                e.updatedAt,
                health);
    }

    /** The answer to a registration: the endpoint and its secret, shown this once. */
    public record Created(@JsonUnwrapped WebhookView endpoint, String secret) {}

    /** The answer to a rotation: the new secret, and until when the old one still signs. */
    public record Rotated(String id, String secret, Instant previousSecretValidUntil) {}

    /** The list of endpoints. */
    public record Page(List<WebhookView> endpoints) {}
}
