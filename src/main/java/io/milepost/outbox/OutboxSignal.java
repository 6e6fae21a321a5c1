package io.milepost.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Wakes the webhook dispatcher when there is work: a transaction that wrote outbox messages has
 * committed, or an attempt in flight has finished. Other instances' messages are found by polling.
 */
@ApplicationScoped
public class OutboxSignal {
    private final Semaphore permits = new Semaphore(0);
    private final AtomicBoolean outboxWritten = new AtomicBoolean();

    /** Says a transaction that wrote outbox messages has committed. */
    public void outboxWritten() {
        outboxWritten.set(true);
        wake();
    }

    /** Whether outbox messages were written since the last call. */
    public boolean takeOutboxWritten() {
        return outboxWritten.getAndSet(false);
    }

    /** Says there may be work; cheap, and any number of calls wake the waiter once. */
    public void wake() {
        if (permits.availablePermits() == 0) {
            permits.release();
        }
    }

    /** Waits until woken or until {@code max} has passed; returns whether it was woken. */
    public boolean await(Duration max) throws InterruptedException {
        boolean woken = permits.tryAcquire(max.toMillis(), TimeUnit.MILLISECONDS);
        permits.drainPermits();
        return woken;
    }
}
