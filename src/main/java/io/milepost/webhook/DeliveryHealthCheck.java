package io.milepost.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the webhook delivery loop runs: down when its thread is gone, or when
 * {@value #MAX_FAILURES} cycles in a row have failed (about a second with the loop's back-off; a
 * single failed cycle, retried at once, does not show).
 */
@Readiness
@ApplicationScoped
public class DeliveryHealthCheck implements HealthCheck {
    static final int MAX_FAILURES = 3;

    private final DeliveryLoop loop;

    public DeliveryHealthCheck(DeliveryLoop loop) {
        this.loop = loop;
    }

    @Override
    public HealthCheckResponse call() {
        DeliveryLoop.Health h = loop.health(MAX_FAILURES);
        return HealthCheckResponse.named("webhook delivery")
                .status(h.up())
                .withData("state", h.detail())
                .build();
    }
}
