package io.walstream.archiver.receive;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.walreceiver.conn.ConnectionSettings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping a receiver that is not streaming: what Ctrl-C or SIGTERM does while it (re)connects. */
class ArchiveReceiverStopTest {

    /**
     * A stop asked for while a connection attempt is under way ends the run as stopped, whatever that attempt then
     * fails with: the user asked to stop, so a server that cannot be reached is no error (it was one, exit 1, when
     * SIGTERM came during a reconnect to a primary that had just been stopped for a failover).
     */
    @Test
    void aStopDuringAConnectionAttemptIsAStopNotAnError(@TempDir Path dir) throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ConnectionSettings settings = ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable connect_timeout=2"
                    + " port=" + silent.getLocalPort() + " user=nobody", Map.of(), Map.of(), Path.of("/nonexistent"),
                    "nobody");
            ReceiveOptions options = ReceiveOptions.of(settings).withLoop(true, Duration.ofSeconds(1));
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                try (Socket accepted = silent.accept()) { // connected; the server never answers the startup packet
                    receiver.stop();
                    assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
                }
            }
        }
    }
}
