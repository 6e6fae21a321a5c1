package io.milepost.rules;

import io.milepost.engine.RuleBook;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once a rule set has compiled: before that, events would be stored but not evaluated.
 * A later broken file does not make the service unready (the working rules stay), but is reported.
 */
@Readiness
@ApplicationScoped
public class RulesHealthCheck implements HealthCheck {
    private final RuleSet rules;

    public RulesHealthCheck(RuleSet rules) {
        this.rules = rules;
    }

    @Override
    public HealthCheckResponse call() {
        RuleBook book = rules.current();
        HealthCheckResponseBuilder r = HealthCheckResponse.named("rules").status(book != null);
        if (book != null) {
            r.withData("version", book.version()).withData("rules", book.rules().size());
        }
        if (!rules.problems().isEmpty()) {
            r.withData("errors", rules.problems().size())
                    .withData(
                            "firstError",
                            rules.problems().get(0).file() + ":"
                                    + rules.problems().get(0).line() + " "
                                    + rules.problems().get(0).message());
        }
        return r.build();
    }
}
