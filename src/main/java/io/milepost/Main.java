package io.milepost;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Starts the service. Quarkus answers a URL that {@link java.net.URI} cannot parse (a bare {@code %}
 * in the path) with an empty 400 before any route runs; with URI validation off, the router sees
 * such a request and answers the 400 in the API's error shape ({@code io.milepost.http.HttpErrors}).
 * The property must be set before the HTTP server starts, so here (and in the tests' JVM by the pom).
 *
 * <p>{@code test-rules [folder]} runs a rules folder's scenarios and exits, without starting the
 * service ({@link io.milepost.rules.scenario.RulesTestCommand}).
 */
@QuarkusMain
public final class Main {
    public static final String URI_VALIDATION = "vertx.disableURIValidation";

    public static void main(String... args) {
        if (args.length > 0 && io.milepost.rules.scenario.RulesTestCommand.NAME.equals(args[0])) {
            // test-rules [folder]: the folder's scenarios, without starting the service
            java.nio.file.Path folder = java.nio.file.Path.of(args.length > 1 ? args[1] : "rules");
            System.exit(io.milepost.rules.scenario.RulesTestCommand.run(folder, System.out));
        }
        System.setProperty(URI_VALIDATION, "true");
        Quarkus.run(args);
    }
}
