package io.milepost.engine;

import io.milepost.config.MilepostConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The service's {@link JourneyEngine}, with its limits ({@code milepost.rules.max-firings},
 * {@code max-evaluation-time}): one, shared by ingestion, the stall sweep, replay, merges and dry
 * runs. An engine holds only those limits (evaluations run on the shared {@link EvaluationWorkers}).
 */
@Singleton
class JourneyEngines {
    @Produces
    @Singleton
    JourneyEngine engine(MilepostConfig config) {
        return new JourneyEngine(config.rules());
    }
}
