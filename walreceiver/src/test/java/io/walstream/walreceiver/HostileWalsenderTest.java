package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.NoLeaks;
import io.walstream.protocol.ProtocolViolationException;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A walsender that sends what the protocol does not allow, over a real socket: each stream ends in a clean
 * {@link ProtocolViolationException} (the connection closed, nothing allocated for a declared 1 GB, no buffer leaked:
 * {@link NoLeaks} with the paranoid leak detector), and the sink has only the WAL that came before, exactly.
 */
@ExtendWith(NoLeaks.class)
final class HostileWalsenderTest {

    private static final long START = 0x3000000;
    private static final byte[] WAL = new byte[64 * 1024];

    static {
        for (int i = 0; i < WAL.length; i++) {
            WAL[i] = (byte) (i * 31 + 7);
        }
    }

    /** Streams 8 kB of valid XLogData, then {@code hostile}; returns the stream's failure and what the sink kept. */
    private static ProtocolViolationException refused(FakeWalsender.Script hostile, long validEnd) throws Exception {
        MemorySink sink = new MemorySink();
        try (FakeWalsender fake = new FakeWalsender(7L, "15.4", "16MB", Lsn.of(START), out -> {
            out.xlogData(out.start(), out.start() + 8192, WAL, 0, 8192);
            hostile.stream(out);
        })) {
            ConnectionSettings settings = ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port=" + fake.port()
                    + " user=rep connect_timeout=5", Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
            try (ReplicationConnection c = ReplicationConnection.open(settings)) {
                assertThat(c.identifySystem().systemId()).isEqualTo(7L);
                ReplicationStream s = c.startReplication(null, Lsn.of(START), 1, sink);
                Throwable cause;
                try {
                    s.result().get(30, TimeUnit.SECONDS); // bounded: a hang fails here
                    throw new AssertionError("the stream ended without an error");
                } catch (ExecutionException e) {
                    cause = e.getCause();
                } catch (TimeoutException e) {
                    throw new AssertionError("the stream hung on hostile input", e);
                }
                assertThat(cause).isInstanceOf(ProtocolViolationException.class);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (c.isOpen() && System.nanoTime() < deadline) {
                    Thread.sleep(10); // the close follows the failure on the event loop
                }
                assertThat(c.isOpen()).as("the connection is given up").isFalse();
                assertThat(sink.written).as("the sink has exactly the valid WAL").isEqualTo(validEnd);
                assertThat(java.util.Arrays.equals(sink.bytes.toByteArray(), java.util.Arrays.copyOf(WAL,
                        (int) (validEnd - START)))).as("the sink's bytes are the valid WAL").isTrue();
                return (ProtocolViolationException) cause;
            }
        }
    }

    private static ByteBuf copyData(int declaredLength, int subType, int bodyBytes) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte('d').writeInt(declaredLength).writeByte(subType).writeZero(bodyBytes);
        return b;
    }

    @Test
    void xlogDataShorterThanItsHeader() throws Exception {
        ProtocolViolationException e = refused(out -> out.raw(copyData(4 + 10, 'w', 9)), START + 8192);
        assertThat(e).hasMessage("XLogData length: 10 (expected: >= 25)");
    }

    @Test
    void aLengthThatEndsInsideTheMessageMakesTheRestAnUnknownMessage() throws Exception {
        // declared 100 bytes short: the last 100 bytes of WAL are taken for the next message's header
        ByteBuf b = Unpooled.buffer();
        b.writeByte('d').writeInt(4 + 25 + 8192 - 100).writeByte('w').writeLong(START + 8192).writeLong(START + 16384)
                .writeLong(0).writeBytes(WAL, 8192, 8192);
        ProtocolViolationException e = refused(out -> out.raw(b), START + 8192 + 8192 - 100);
        assertThat(e).hasMessageStartingWith("unknown backend message type: ");
    }

    @Test
    void dataStartGoingBackwards() throws Exception {
        ProtocolViolationException e = refused(out -> out.xlogData(START + 4096, START + 16384, WAL, 4096, 8192),
                START + 8192);
        assertThat(e).hasMessage("XLogData at 0/3001000 (expected: 0/3002000, where the previous one ended)");
    }

    @Test
    void dataStartSkippingAhead() throws Exception {
        ProtocolViolationException e = refused(out -> out.xlogData(START + 16384, START + 32768, WAL, 16384, 8192),
                START + 8192);
        assertThat(e).hasMessage("XLogData at 0/3004000 (expected: 0/3002000, where the previous one ended)");
    }

    @Test
    void walEndBeforeDataStart() throws Exception {
        ProtocolViolationException e = refused(out -> out.xlogData(START + 8192, START, WAL, 8192, 8192), START + 8192);
        assertThat(e).hasMessage("XLogData at 0/3002000 with walEnd 0/3000000 before it");
    }

    @Test
    void aCopyDataDeclaringOneGigabyteIsRefusedBeforeAnythingIsBuffered() throws Exception {
        // only the header and a few bytes follow: a client that waited for (or allocated) 1 GB would hang or fail
        ProtocolViolationException e = refused(out -> out.raw(copyData(1 << 30, 'w', 64)), START + 8192);
        assertThat(e).hasMessage("CopyData length: 1073741824 (expected: <= 1048576)");
    }

    @Test
    void anErrorResponseDeclaringOneGigabyte() throws Exception {
        ByteBuf b = Unpooled.buffer().writeByte('E').writeInt(1 << 30).writeByte('S');
        ProtocolViolationException e = refused(out -> out.raw(b), START + 8192);
        assertThat(e).hasMessageStartingWith("ErrorResponse length: 1073741824 (expected: <= ");
    }

    @Test
    void anUnknownCopyDataSubMessage() throws Exception {
        ProtocolViolationException e = refused(out -> out.raw(copyData(4 + 1 + 16, 'x', 16)), START + 8192);
        assertThat(e).hasMessageStartingWith("unknown replication message type in CopyData: 'x'");
    }

    @Test
    void aKeepaliveOfTheWrongLength() throws Exception {
        ProtocolViolationException e = refused(out -> out.raw(copyData(4 + 1 + 8, 'k', 8)), START + 8192);
        assertThat(e).hasMessageStartingWith("PrimaryKeepalive length: 9");
    }

    @Test
    void aCopyDataLengthBelowItsOwnHeader() throws Exception {
        ProtocolViolationException e = refused(out -> out.raw(Unpooled.buffer().writeByte('d').writeInt(2)),
                START + 8192);
        assertThat(e).hasMessageStartingWith("CopyData length: 2 (expected: >= ");
    }

    @Test
    void aConnectionClosedInsideAMessageIsALostConnectionNotWal() throws Exception {
        MemorySink sink = new MemorySink();
        try (FakeWalsender fake = new FakeWalsender(7L, "15.4", "16MB", Lsn.of(START), out -> {
            out.xlogData(out.start(), out.start() + 8192, WAL, 0, 8192);
            ByteBuf b = Unpooled.buffer();
            b.writeByte('d').writeInt(4 + 25 + 8192).writeByte('w').writeLong(START + 8192).writeLong(START + 16384)
                    .writeLong(0).writeZero(1000); // 1000 of 8192 bytes, then the connection ends
            out.raw(b).close();
        })) {
            ConnectionSettings settings = ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port=" + fake.port()
                    + " user=rep connect_timeout=5", Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
            try (ReplicationConnection c = ReplicationConnection.open(settings)) {
                ReplicationStream s = c.startReplication(null, Lsn.of(START), 1, sink);
                assertThat(s.result()).failsWithin(Duration.ofSeconds(30)).withThrowableThat()
                        .havingCause().isInstanceOf(ConnectionException.class);
                assertThat(sink.written).as("the cut message is not delivered").isEqualTo(START + 8192);
            }
        }
    }
}
