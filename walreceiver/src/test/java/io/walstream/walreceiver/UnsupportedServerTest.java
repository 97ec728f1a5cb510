package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.walreceiver.conn.ConnectionSettings;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A server older than 13 is refused right after startup. No such server exists here, so a fake
 * one answers the startup packet (fault injection) the way PostgreSQL 12 does.
 */
final class UnsupportedServerTest {

    @Test
    void postgres12IsRefusedInOneLineThatSaysWhatToDo() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Boolean> sawCommand = CompletableFuture.supplyAsync(() -> fakeServer(listener, "12.5"));
            ConnectionSettings settings = ConnectionSettings.resolve("host=127.0.0.1 port=" + listener.getLocalPort()
                    + " user=rep sslmode=disable connect_timeout=10", Map.of(), Map.of(), Path.of("/nonexistent"), "x");

            assertThatThrownBy(() -> ReplicationConnection.open(settings))
                    .isInstanceOf(UnsupportedServerException.class)
                    .hasMessage("server 127.0.0.1:" + listener.getLocalPort() + " runs PostgreSQL 12.5; walstream needs 13"
                            + " or later (upgrade the server, or use pg_receivewal from that version)")
                    .satisfies(e -> assertThat(((UnsupportedServerException) e).version().major()).isEqualTo(12));
            assertThat(sawCommand.get(10, TimeUnit.SECONDS)).as("no command was sent").isFalse();
        }
    }

    @Test
    void postgres13IsAccepted() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Boolean> served = CompletableFuture.supplyAsync(() -> fakeServer(listener, "13.0"));
            ConnectionSettings settings = ConnectionSettings.resolve("host=127.0.0.1 port=" + listener.getLocalPort()
                    + " user=rep sslmode=disable connect_timeout=10", Map.of(), Map.of(), Path.of("/nonexistent"), "x");
            try (ReplicationConnection c = ReplicationConnection.open(settings)) {
                assertThat(c.serverVersion().major()).isEqualTo(13);
            }
            served.get(10, TimeUnit.SECONDS);
        }
    }

    /** Startup → AuthenticationOk, server_version, ReadyForQuery; then reports whether a Query arrived. */
    private static boolean fakeServer(ServerSocket listener, String version) {
        try (Socket s = listener.accept()) {
            s.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            in.skipNBytes(in.readInt() - 4); // StartupMessage
            out.writeByte('R');
            out.writeInt(8);
            out.writeInt(0);
            byte[] name = "server_version\0".getBytes(StandardCharsets.US_ASCII);
            byte[] value = (version + "\0").getBytes(StandardCharsets.US_ASCII);
            out.writeByte('S');
            out.writeInt(4 + name.length + value.length);
            out.write(name);
            out.write(value);
            out.writeByte('Z');
            out.writeInt(5);
            out.writeByte('I');
            out.flush();
            int next = in.read(); // 'X' (Terminate) or EOF, never 'Q'
            return next == 'Q';
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
