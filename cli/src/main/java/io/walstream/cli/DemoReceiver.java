package io.walstream.cli;

import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.archiver.metrics.ReceiverMetrics;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** An in-process {@code walstream receive} on its own thread, as the demo runs it. */
final class DemoReceiver {

    private final ArchiveReceiver receiver;
    private final CompletableFuture<ArchiveReceiver.Outcome> outcome = new CompletableFuture<>();

    private DemoReceiver(ArchiveReceiver receiver) {
        this.receiver = receiver;
    }

    static DemoReceiver start(Path archive, ReceiveOptions options) {
        DemoReceiver r = new DemoReceiver(new ArchiveReceiver(archive, options));
        Thread t = new Thread(() -> {
            try {
                r.outcome.complete(r.receiver.run());
            } catch (Throwable e) {
                r.outcome.completeExceptionally(e);
            }
        }, "walstream-demo-receive");
        t.setDaemon(true);
        t.start();
        return r;
    }

    ReceiverMetrics metrics() {
        return receiver.metrics();
    }

    /** Rethrows what ended the receiver early (a refused connection, a WAL defect). */
    void throwIfFailed() {
        if (outcome.isCompletedExceptionally()) {
            outcome.join();
        }
        if (outcome.isDone()) {
            throw new IllegalStateException("walstream receive ended early: " + outcome.join());
        }
    }

    /** Stops cleanly (what was received is flushed) and waits for that. */
    void stop() {
        receiver.stop();
        try {
            outcome.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("walstream receive failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("walstream receive did not stop in 30 s");
        }
    }
}
