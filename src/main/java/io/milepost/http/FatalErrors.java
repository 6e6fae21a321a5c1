package io.milepost.http;

import io.milepost.common.ErrorMapper;
import io.milepost.common.LogSafe;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.function.IntConsumer;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A JVM that ran out of memory is in no state to serve: it exits (status {@value #EXIT_STATUS}) so
 * that its supervisor starts a fresh one, instead of lingering with a closed port. Covers errors
 * that reach a resource, a Vert.x handler or any thread's top; {@code -XX:+ExitOnOutOfMemoryError}
 * (see the README) covers the rest. Other {@link Error}s in a request are a 500 in the API's shape.
 */
@ApplicationScoped
public class FatalErrors {
    private static final Logger LOG = Logger.getLogger(FatalErrors.class);
    public static final int EXIT_STATUS = 3;
    /** How the process ends; tests replace it. */
    static volatile IntConsumer halt = status -> Runtime.getRuntime().halt(status);

    void install(@Observes StartupEvent event, Vertx vertx) {
        installUncaughtHandler();
        vertx.exceptionHandler(FatalErrors::onThrowable);
    }

    /** Makes an {@link OutOfMemoryError} that reaches the top of any thread end the process. */
    public static void installUncaughtHandler() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        if (previous instanceof ExitOnOutOfMemory) {
            return;
        }
        Thread.setDefaultUncaughtExceptionHandler(new ExitOnOutOfMemory(previous));
    }

    /** Ends the process if {@code e} (or one of its causes) is an {@link OutOfMemoryError}. */
    public static void onThrowable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                try {
                    System.err.println("Milepost: out of memory; exiting so that a fresh process takes over");
                } catch (Throwable ignored) {
                    // nothing more can be done before halting
                }
                halt.accept(EXIT_STATUS);
                return;
            }
        }
    }

    @ServerExceptionMapper
    public Response error(Error e) {
        onThrowable(e);
        LOG.error("request failed", LogSafe.redact(e));
        return ErrorMapper.respond(500, "internal_error", "the request failed; see the service log", List.of());
    }

    private record ExitOnOutOfMemory(Thread.UncaughtExceptionHandler previous)
            implements Thread.UncaughtExceptionHandler {
        @Override
        public void uncaughtException(Thread t, Throwable e) {
            onThrowable(e);
            if (previous != null) {
                previous.uncaughtException(t, e);
            } else {
                System.err.println("Exception in thread \"" + t.getName() + "\" " + e);
            }
        }
    }
}
