package io.walstream.protocol.message.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.NoLeaks;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeaks.class)
final class FrontendMessageEncoderTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new FrontendMessageEncoder());

    @AfterEach
    void teardown() {
        assertFalse(channel.finish());
    }

    /** Encodes through the pipeline and returns the bytes as hex. */
    private String encode(FrontendMessage message) {
        assertThat(channel.writeOutbound(message)).isTrue();
        ByteBuf out = channel.readOutbound();
        try {
            assertThat(channel.<Object>readOutbound()).isNull();
            return ByteBufUtil.hexDump(out);
        } finally {
            out.release();
        }
    }

    private static String hex(String spaced) {
        return spaced.replaceAll("[\\s|]", "");
    }

    @Test
    void startupMessageForPhysicalReplication() {
        assertThat(encode(StartupMessage.physicalReplication("walstream", "app"))).isEqualTo(hex(
            "0000003e | 00030000 | 7573657200 77616c73747265616d00 | 7265706c69636174696f6e00 7472756500"
                + " | 6170706c69636174696f6e5f6e616d6500 61707000 | 00"));
        assertThat(StartupMessage.physicalReplication("u", null).parameters()).containsExactly(Map.entry("user", "u"), Map.entry("replication", "true"));
    }

    @Test
    void startupMessageValidation() {
        assertThatThrownBy(() -> new StartupMessage(Map.of("replication", "true")))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("startup parameters need a user");
        assertThatThrownBy(() -> StartupMessage.physicalReplication("bad\0user", null))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("startup parameter user contains a NUL character");
        assertThatThrownBy(() -> new StartupMessage(Map.of("user", "u", "", "x"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sslRequest() {
        assertThat(encode(SSLRequest.INSTANCE)).isEqualTo("0000000804d2162f");
    }

    @Test
    void passwords() {
        assertThat(encode(PasswordMessage.cleartext("secret"))).isEqualTo(hex("70 0000000b 73656372657400"));
        assertThat(PasswordMessage.cleartext("secret")).hasToString("PasswordMessage(***)");
        assertThat(encode(PasswordMessage.md5("postgres", "secret", new byte[] {1, 2, 3, 4})))
            .isEqualTo("70" + "00000028" + ByteBufUtil.hexDump("md5bb41a296aab6baccb36ff243a562abff\0".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void md5HashMatchesLibpq() {
        // Expected values computed independently (Python hashlib): "md5" + md5hex(md5hex(password + user) + salt).
        assertThat(PasswordMessage.md5Hash("postgres", "secret", new byte[] {1, 2, 3, 4})).isEqualTo("md5bb41a296aab6baccb36ff243a562abff");
        assertThat(PasswordMessage.md5Hash("walstream", "pä ss", new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}))
            .isEqualTo("md53dff0d680ba06135a44c06ece1961d5b");
        assertThatThrownBy(() -> PasswordMessage.md5Hash("u", "p", new byte[3])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void saslMessages() {
        assertThat(encode(new SASLInitialResponse("SCRAM-SHA-256", "n,,n=,r=abc".getBytes(StandardCharsets.US_ASCII))))
            .isEqualTo(hex("70 00000021 | 534352414d2d5348412d32353600 | 0000000b | 6e2c2c6e3d2c723d616263"));
        assertThat(encode(new SASLInitialResponse("SCRAM-SHA-256", null)))
            .isEqualTo(hex("70 00000016 | 534352414d2d5348412d32353600 | ffffffff"));
        assertThat(encode(new SASLResponse(new byte[] {0x63, 0x3d}))).isEqualTo(hex("70 00000006 633d"));
        assertThat(new SASLResponse(new byte[] {1})).isEqualTo(new SASLResponse(new byte[] {1}));
    }

    @Test
    void simpleMessages() {
        assertThat(encode(new Query("IDENTIFY_SYSTEM"))).isEqualTo(hex("51 00000014 4944454e544946595f53595354454d00"));
        assertThat(encode(CopyDone.INSTANCE)).isEqualTo("6300000004");
        assertThat(encode(Terminate.INSTANCE)).isEqualTo("5800000004");
        assertThatThrownBy(() -> new Query("SELECT 1\0; DROP")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void copyDataIsWrittenAndReleased() {
        ByteBuf content = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        assertThat(encode(new CopyData(content))).isEqualTo(hex("64 00000007 010203"));
        assertThat(content.refCnt()).isZero();
    }

    @Test
    void standbyStatusUpdateIs34BytesInsideCopyData() {
        StandbyStatusUpdate update = new StandbyStatusUpdate(Lsn.parse("0/3000100"), Lsn.parse("0/3000000"), Lsn.INVALID,
            0x0002b0d5a2a44c40L, true);
        String expected = hex("64 00000026 | 72 | 0000000003000100 | 0000000003000000 | 0000000000000000 | 0002b0d5a2a44c40 | 01");
        assertThat(encode(update)).isEqualTo(expected);
        ByteBuf payload = Unpooled.buffer();
        StandbyStatusUpdate.writePayload(payload, 0x3000100, 0x3000000, 0, 0x0002b0d5a2a44c40L, true);
        assertThat(payload.readableBytes()).isEqualTo(34).isEqualTo(StandbyStatusUpdate.PAYLOAD_LENGTH);
        assertThat(ByteBufUtil.hexDump(payload)).isEqualTo(expected.substring(10));
        payload.release();
    }

    @Test
    void standbyStatusUpdateKeepsHighLsnBits() {
        ByteBuf out = Unpooled.buffer();
        StandbyStatusUpdate.encode(out, Lsn.parse("FFFFFFFF/B374D848").value(), 0, 0, -1, false);
        assertThat(ByteBufUtil.hexDump(out)).isEqualTo(hex("64 00000026 | 72 | ffffffffb374d848 | 0000000000000000 | 0000000000000000 | ffffffffffffffff | 00"));
        out.release();
    }

    @Test
    void hotStandbyFeedback() {
        String expected = hex("64 0000001d | 68 | 0002b0d5a2a44c40 | 000004d2 | 00000001 | 000003e8 | 00000002");
        assertThat(encode(new HotStandbyFeedback(0x0002b0d5a2a44c40L, 1234, 1, 1000, 2))).isEqualTo(expected);
        ByteBuf payload = Unpooled.buffer();
        HotStandbyFeedback.writePayload(payload, 0x0002b0d5a2a44c40L, 1234, 1, 1000, 2);
        assertThat(payload.readableBytes()).isEqualTo(HotStandbyFeedback.PAYLOAD_LENGTH).isEqualTo(25);
        assertThat(ByteBufUtil.hexDump(payload)).isEqualTo(expected.substring(10));
        payload.release();
    }

    @Test
    void feedbackEncodingAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeThat(bean).isInstanceOf(com.sun.management.ThreadMXBean.class);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        // Not from an allocator: paranoid leak tracking would record (and allocate) on every write.
        ByteBuf out = Unpooled.wrappedBuffer(new byte[128]);
        try {
            long tid = Thread.currentThread().getId();
            long sink = 0;
            for (int round = 0; round < 3; round++) {
                long before = threads.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 100_000; i++) {
                    out.clear();
                    StandbyStatusUpdate.encode(out, i, i, 0, i, false);
                    HotStandbyFeedback.encode(out, i, i, 0, 0, 0);
                    sink += out.writerIndex();
                }
                long allocated = threads.getThreadAllocatedBytes(tid) - before;
                if (round == 2) {
                    // A few hundred bytes of noise at most; one object per call would be megabytes.
                    assertThat(allocated).isLessThan(64 * 1024);
                }
            }
            assertThat(sink).isEqualTo(3L * 100_000 * (39 + 30));
        } finally {
            out.release();
        }
    }
}
