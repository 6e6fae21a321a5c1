package io.milepost;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Starts the service. Quarkus answers a URL that {@link java.net.URI} cannot parse (a bare {@code %}
 * in the path) with an empty 400 before any route runs; with URI validation off, the router sees
 * such a request and answers the 400 in the API's error shape ({@code io.milepost.http.HttpErrors}).
 * The property must be set before the HTTP server starts, so here (and in the tests' JVM by the pom).
 */
@QuarkusMain
public final class Main {
    public static final String URI_VALIDATION = "vertx.disableURIValidation";


    public static void main(String... args) {
        System.setProperty(URI_VALIDATION, "true");
        Quarkus.run(args);
    }
}
