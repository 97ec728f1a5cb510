package io.walstream.protocol.message.backend;

import static io.walstream.protocol.message.backend.Frames.feed;
import static io.walstream.protocol.message.backend.Frames.frame;
import static io.walstream.protocol.message.backend.Frames.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.walstream.protocol.NoLeaks;
import io.walstream.protocol.ProtocolViolationException;
import io.walstream.protocol.message.backend.Frames.Feed;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(NoLeaks.class)
final class ReplicationMessageDecoderTest {

    /** 'd', length 32, 'w', dataStart 0/3000000, walEnd 0/3000100, sendTime, then 3 bytes of WAL. */
    private static final String XLOG_DATA_3_BYTES =
        "64 00000020 | 77 | 0000000003000000 | 0000000003000100 | 0002b0d5a2a44c40 | abcdef";
    /** 'd', length 22, 'k', walEnd 16/B374D848, sendTime, replyRequested 1. */
    private static final String KEEPALIVE_REPLY_REQUESTED = "64 00000016 | 6b | 00000016b374d848 | 0002b0d5a2a44c40 | 01";

    private final EmbeddedChannel channel = new EmbeddedChannel(new BackendMessageDecoder(BackendMessageDecoder.DEFAULT_MAX_COPY_DATA_LENGTH,
        BackendMessageDecoder.DEFAULT_MAX_MESSAGE_LENGTH, false), new ReplicationMessageDecoder());

    @AfterEach
    void teardown() {
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @EnumSource(Feed.class)
    void xlogDataWithThreeBytesOfWal(Feed feed) {
        List<Object> messages = feed(channel, feed, hex(XLOG_DATA_3_BYTES));
        assertThat(messages).hasSize(1);
        XLogData xlog = (XLogData) messages.get(0);
        try {
            assertThat(xlog.dataStart()).isEqualTo(0x3000000L);
            assertThat(xlog.walEnd()).isEqualTo(0x3000100L);
            assertThat(xlog.sendTime()).isEqualTo(0x0002b0d5a2a44c40L);
            assertThat(xlog.dataEnd()).isEqualTo(0x3000003L);
            assertThat(ByteBufUtil.hexDump(xlog.content())).isEqualTo("abcdef");
            assertThat(xlog).hasToString("XLogData(dataStart=0/3000000, walEnd=0/3000100, sendTime=757381556620352, 3 bytes)");
        } finally {
            xlog.release();
        }
        assertThat(xlog.refCnt()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Feed.class)
    void keepaliveWithReplyRequested(Feed feed) {
        List<Object> messages = feed(channel, feed, Frames.concat(hex(KEEPALIVE_REPLY_REQUESTED),
            hex("64 00000016 | 6b | 0000000003000000 | 0000000000000001 | 00")));
        assertThat(messages).containsExactly(
            new PrimaryKeepalive(0x16B374D848L, 0x0002b0d5a2a44c40L, true),
            new PrimaryKeepalive(0x3000000L, 1, false));
    }

    @Test
    void walBytesAreASliceOfTheReceivedBufferNotACopy() {
        ByteBuf received = hex(XLOG_DATA_3_BYTES);
        assertThat(channel.writeInbound(received.retain())).isTrue();
        XLogData xlog = channel.readInbound();
        try {
            received.setByte(5 + XLogData.HEADER_LENGTH, 0x11);
            assertThat(xlog.content().getByte(xlog.content().readerIndex())).isEqualTo((byte) 0x11);
            assertThat(received.refCnt()).as("the slice keeps the received buffer alive").isGreaterThan(1);
        } finally {
            xlog.release();
            received.release();
        }
        assertThat(received.refCnt()).isZero();
    }

    @Test
    void maximumSizeXLogDataInRandomSplits() {
        byte[] wal = new byte[128 * 1024];
        new SplittableRandom(7).nextBytes(wal);
        ByteBuf frame = frame('d', b -> b.writeByte('w').writeLong(0x1_0000_0000L).writeLong(0x1_0002_0000L).writeLong(5).writeBytes(wal));
        List<Object> messages = feed(channel, Feed.RANDOM_SPLITS, frame);
        XLogData xlog = (XLogData) messages.get(0);
        try {
            assertThat(ByteBufUtil.getBytes(xlog.content())).isEqualTo(wal);
            assertThat(xlog.dataEnd()).isEqualTo(0x1_0002_0000L);
        } finally {
            xlog.release();
        }
    }

    @Test
    void aCopyBothResponseDoesNotSwitchModesWhenFusedDecodingIsOff() {
        List<Object> messages = feed(channel, Feed.ONE_CHUNK, Frames.concat(hex("57 00000007 00 0000"), hex(KEEPALIVE_REPLY_REQUESTED)));
        assertThat(messages).containsExactly(new CopyBothResponse(0, List.of()), new PrimaryKeepalive(0x16B374D848L, 0x0002b0d5a2a44c40L, true));
    }

    @Test
    void unknownSubTypeIsNamed() {
        assertThatThrownBy(() -> channel.writeInbound(hex("64 0000000d 70 0000000000000001")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("unknown replication message type in CopyData: 'p' (0x70)");
    }

    @Test
    void emptyCopyData() {
        assertThatThrownBy(() -> channel.writeInbound(hex("64 00000004")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("empty CopyData in replication stream");
    }

    @Test
    void truncatedXLogDataHeader() {
        assertThatThrownBy(() -> channel.writeInbound(hex("64 0000001c 77 0000000003000000 0000000003000100 0002b0d5a2a44c")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("XLogData length: 24 (expected: >= 25)");
    }

    @Test
    void keepaliveOfTheWrongLength() {
        assertThatThrownBy(() -> channel.writeInbound(hex("64 00000015 6b 0000000003000000 0000000000000001")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("PrimaryKeepalive length: 17 (expected: 18)");
        assertThatThrownBy(() -> channel.writeInbound(hex("64 00000017 6b 0000000003000000 0000000000000001 0000")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("PrimaryKeepalive length: 19 (expected: 18)");
    }

    @Test
    void staticDecodeLeavesThePayloadToTheCaller() {
        ByteBuf payload = hex("77 0000000003000000 0000000003000100 0000000000000000 0102");
        XLogData xlog = (XLogData) ReplicationMessageDecoder.decode(payload);
        assertThat(payload.readerIndex()).isZero();
        assertThat(payload.refCnt()).isEqualTo(2);
        xlog.release();
        assertThat(payload.refCnt()).isEqualTo(1);
        payload.release();
    }

    @Test
    void holderOperationsKeepTheHeader() {
        XLogData xlog = new XLogData(1, 2, 3, Unpooled.wrappedBuffer(new byte[] {9, 8}));
        XLogData duplicate = xlog.retainedDuplicate();
        XLogData copy = xlog.copy();
        try {
            assertThat(duplicate).isEqualTo(xlog).isNotSameAs(xlog);
            assertThat(copy).isEqualTo(xlog).hasSameHashCodeAs(xlog);
            assertThat(xlog.replace(Unpooled.EMPTY_BUFFER).dataStart()).isEqualTo(1);
            assertThat(new XLogData(1, 2, 4, Unpooled.wrappedBuffer(new byte[] {9, 8}))).isNotEqualTo(xlog);
            assertThat(xlog.refCnt()).isEqualTo(2);
        } finally {
            ReferenceCountUtil.release(duplicate);
            ReferenceCountUtil.release(copy);
            xlog.release();
        }
    }
}
