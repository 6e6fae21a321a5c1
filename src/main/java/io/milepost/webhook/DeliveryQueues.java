package io.milepost.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Picks the {@link DeliveryQueue} of the configured database (fixed at build time). */
@ApplicationScoped
class DeliveryQueues {
    @Produces
    @ApplicationScoped
    DeliveryQueue queue(@ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
        return dbKind.toLowerCase().startsWith("postgres") ? new PostgresDeliveryQueue() : new H2DeliveryQueue();
    }
}
