package io.walstream.pgcluster.junit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The one wait of the test suites: polls a condition and fails, naming it, once the timeout has passed. */
public final class Await {

    private static final long POLL_MILLIS = 50;

    private Await() {
    }

    /**
     * Returns once {@code condition} holds.
     *
     * @throws AssertionError naming {@code what} when it did not hold within {@code timeout}
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + ": not within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
