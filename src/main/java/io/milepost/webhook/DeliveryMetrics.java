package io.milepost.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** The webhook meters on {@code /q/metrics}: attempts by outcome and time, endpoints disabled, loop errors. */
@ApplicationScoped
public class DeliveryMetrics {
    private final Counter delivered;
    private final Counter retried;
    private final Counter failed;
    private final Timer attemptTime;
    private final Counter loopErrors;
    private final MeterRegistry registry;

    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.delivered = outcome("delivered");
        this.retried = outcome("retried");
        this.failed = outcome("failed");
        this.attemptTime = Timer.builder("milepost.webhook.attempt")
                .description("time of one webhook attempt")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.loopErrors = Counter.builder("milepost.webhook.loop.errors")
                .description("delivery cycles that failed with an error (each is retried after a back-off)")
                .register(registry);
    }

    private Counter outcome(String outcome) {
        return Counter.builder("milepost.webhook.deliveries")
                .tag("outcome", outcome)
                .description("webhook attempts by outcome")
                .register(registry);
    }

    void attempt(Outcome outcome, int durationMs) {
        if (outcome instanceof Outcome.Delivered) {
            delivered.increment();
        } else if (outcome instanceof Outcome.RetryAt) {
            retried.increment();
        } else {
            failed.increment();
        }
        attemptTime.record(Duration.ofMillis(durationMs));
    }

    void endpointDisabled(String why) {
        Counter.builder("milepost.webhook.endpoints.disabled")
                .tag("why", why)
                .description("webhook endpoints disabled automatically")
                .register(registry)
                .increment();
    }

    void loopError() {
        loopErrors.increment();
    }
}
