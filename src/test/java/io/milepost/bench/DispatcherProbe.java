package io.milepost.bench;

import io.milepost.webhook.DeliveryLoop;
import io.milepost.webhook.Dispatcher;
import io.milepost.webhook.WebhookSender;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Runs the dispatcher's cycles the way its background loop does, with every send answered 204 at
 * once, so the database statements of fanning out, claiming and recording are measured without
 * HTTP; the background loop is paused meanwhile.
 */
public final class DispatcherProbe {
    private DispatcherProbe() {}

    /** Stops the background loop (it hands back what it had claimed). */
    public static void pause(DeliveryLoop loop) throws InterruptedException {
        loop.stop();
    }

    /** Starts a new background loop. */
    public static void resume(DeliveryLoop loop) {
        loop.start();
    }

    /**
     * Runs cycles as the loop does when half of one endpoint's window has finished: each records
     * the attempts of the one before (all delivered) and fans out and claims half a window of fresh
     * messages; until nothing is left. Returns the deliveries recorded.
     */
    public static int drain(Dispatcher dispatcher) {
        int perCycle = dispatcher.endpointWindow() / 2;
        List<WebhookSender.Result> done = List.of();
        int recorded = 0;
        while (true) {
            Dispatcher.Cycle cycle = dispatcher.cycle(done, Map.of(), perCycle, true);
            recorded += done.size();
            if (cycle.claimed().isEmpty()) {
                return recorded;
            }
            Instant now = dispatcher.now();
            done = cycle.claimed().stream()
                    .map(a -> new WebhookSender.Result(a, now, 204, null, null, 0))
                    .toList();
        }
    }
}
