package io.walstream.protocol.message.backend;

import static io.walstream.protocol.message.backend.Frames.feed;
import static io.walstream.protocol.message.backend.Frames.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.walstream.protocol.NoLeaks;
import io.walstream.protocol.ProtocolViolationException;
import io.walstream.protocol.message.backend.Frames.Feed;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The default decoder turns CopyData into XLogData / PrimaryKeepalive between CopyBothResponse and CopyDone. */
@ExtendWith(NoLeaks.class)
final class CopyBothDecodingTest {

    private static final String COPY_BOTH_RESPONSE = "57 00000007 00 0000";
    private static final String XLOG_DATA_3_BYTES = "64 00000020 | 77 | 0000000003000000 | 0000000003000100 | 0002b0d5a2a44c40 | abcdef";
    private static final String KEEPALIVE = "64 00000016 | 6b | 0000000003000003 | 0002b0d5a2a44c41 | 01";

    private final EmbeddedChannel channel = new EmbeddedChannel(new BackendMessageDecoder());

    @AfterEach
    void teardown() {
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @EnumSource(Feed.class)
    void endOfTimelineConversation(Feed feed) {
        List<Object> messages = feed(channel, feed, Frames.concat(
            hex("64 00000007 010203"),      // CopyData before COPY stays CopyData
            hex(COPY_BOTH_RESPONSE),
            hex(XLOG_DATA_3_BYTES),
            hex(KEEPALIVE),
            hex("63 00000004"),             // server CopyDone: end of timeline
            hex("64 00000005 77")));         // not in CopyBoth any more: plain CopyData again
        try {
            assertThat(messages).hasSize(6);
            assertThat(messages.get(0)).isInstanceOf(CopyData.class);
            assertThat(messages.get(1)).isEqualTo(new CopyBothResponse(0, List.of()));
            XLogData xlog = (XLogData) messages.get(2);
            assertThat(xlog.dataStart()).isEqualTo(0x3000000L);
            assertThat(xlog.walEnd()).isEqualTo(0x3000100L);
            assertThat(ByteBufUtil.hexDump(xlog.content())).isEqualTo("abcdef");
            assertThat(messages.get(3)).isEqualTo(new PrimaryKeepalive(0x3000003L, 0x0002b0d5a2a44c41L, true));
            assertThat(messages.get(4)).isSameAs(CopyDone.INSTANCE);
            assertThat(ByteBufUtil.hexDump(((CopyData) messages.get(5)).content())).isEqualTo("77");
        } finally {
            messages.forEach(ReferenceCountUtil::release);
        }
    }

    @Test
    void walBytesAreASliceOfTheReceivedBuffer() {
        ByteBuf received = hex(COPY_BOTH_RESPONSE + XLOG_DATA_3_BYTES);
        assertThat(channel.writeInbound(received.retain())).isTrue();
        assertThat(channel.<Object>readInbound()).isInstanceOf(CopyBothResponse.class);
        XLogData xlog = channel.readInbound();
        try {
            received.setByte(8 + 5 + XLogData.HEADER_LENGTH, 0x11);
            assertThat(xlog.content().getByte(xlog.content().readerIndex())).isEqualTo((byte) 0x11);
        } finally {
            xlog.release();
            received.release();
        }
        assertThat(received.refCnt()).isZero();
    }

    @Test
    void errorResponseEndsTheCopy() {
        List<Object> messages = feed(channel, Feed.ONE_CHUNK, Frames.concat(hex(COPY_BOTH_RESPONSE),
            hex("45 0000000b 4d 6f6f707300 00"), hex("64 00000005 77")));
        try {
            assertThat(messages.get(1)).isInstanceOf(ErrorResponse.class);
            assertThat(messages.get(2)).isInstanceOf(CopyData.class);
        } finally {
            messages.forEach(ReferenceCountUtil::release);
        }
    }

    @Test
    void badSubMessageIsTerminal() {
        assertThatThrownBy(() -> channel.writeInbound(hex(COPY_BOTH_RESPONSE + "64 00000005 73")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("unknown replication message type in CopyData: 's' (0x73)");
        assertThat(channel.<Object>readInbound()).isInstanceOf(CopyBothResponse.class);
        assertThat(channel.writeInbound(hex(KEEPALIVE))).isFalse();
    }
}
