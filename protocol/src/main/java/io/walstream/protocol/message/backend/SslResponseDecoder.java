package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.walstream.protocol.ProtocolViolationException;
import java.util.List;

/**
 * One-shot decoder for the single unframed byte that answers an SSLRequest ({@code 'S'} or {@code 'N'}). Put it
 * before {@link BackendMessageDecoder} when sending SSLRequest; it emits one {@link SslResponse} and removes itself.
 * Bytes after {@code 'S'} that arrived before the TLS handshake are refused (CVE-2021-23222: a man in the middle
 * could inject plaintext that would later be read as if it came over TLS).
 */
public final class SslResponseDecoder extends ByteToMessageDecoder {

    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        byte b = in.readByte();
        if (b == 'S') {
            if (in.isReadable()) {
                int extra = in.readableBytes();
                in.skipBytes(extra);
                failed = true;
                throw new ProtocolViolationException("received " + extra + " unencrypted bytes after the SSL response 'S'");
            }
            out.add(SslResponse.ACCEPTED);
        } else if (b == 'N') {
            out.add(SslResponse.REFUSED);
        } else {
            in.skipBytes(in.readableBytes());
            failed = true;
            throw new ProtocolViolationException("SSLRequest response: " + Decoding.describeByte(b) + " (expected: 'S' or 'N')");
        }
        ctx.pipeline().remove(this);
    }
}
