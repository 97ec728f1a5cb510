package io.walstream.protocol.message.backend;

import static io.walstream.protocol.message.backend.Frames.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.walstream.protocol.NoLeaks;
import io.walstream.protocol.ProtocolViolationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeaks.class)
final class SslResponseDecoderTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new SslResponseDecoder(), new BackendMessageDecoder());

    @AfterEach
    void teardown() {
        assertFalse(channel.finish());
    }

    @Test
    void acceptedRemovesItself() {
        assertThat(channel.writeInbound(Unpooled.EMPTY_BUFFER)).isFalse();
        assertThat(channel.writeInbound(hex("53"))).isTrue();
        assertThat(channel.<Object>readInbound()).isSameAs(SslResponse.ACCEPTED);
        assertThat(channel.pipeline().get(SslResponseDecoder.class)).isNull();
        assertThat(SslResponse.ACCEPTED.wireChar()).isEqualTo('S');
    }

    @Test
    void refusedPassesFollowingBytesToTheFrameDecoder() {
        assertThat(channel.writeInbound(hex("4e | 5a 00000005 49"))).isTrue();
        assertThat(channel.<Object>readInbound()).isSameAs(SslResponse.REFUSED);
        assertThat(channel.<Object>readInbound()).isSameAs(ReadyForQuery.IDLE);
        assertThat(channel.pipeline().get(SslResponseDecoder.class)).isNull();
    }

    @Test
    void plaintextAfterAcceptIsRefused() {
        ByteBuf injected = hex("53 | 5a 00000005 49");
        assertThatThrownBy(() -> channel.writeInbound(injected))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("received 6 unencrypted bytes after the SSL response 'S'");
        assertThat(injected.refCnt()).isZero();
        assertThat(channel.writeInbound(hex("5a 00000005 49"))).as("input after the error is dropped").isFalse();
    }

    @Test
    void anyOtherByteIsRefused() {
        assertThatThrownBy(() -> channel.writeInbound(hex("45 00000010")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("SSLRequest response: 'E' (0x45) (expected: 'S' or 'N')");
    }
}
