package io.walstream.protocol.message.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;

/** Builds backend frames by hand and feeds them to an EmbeddedChannel in different splits. */
final class Frames {

    /** How input reaches the decoder. */
    enum Feed { ONE_CHUNK, BYTE_BY_BYTE, RANDOM_SPLITS }

    private Frames() {
    }

    /** Hex with optional whitespace and {@code |} separators for readability. */
    static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replaceAll("[\\s|]", "")));
    }

    static ByteBuf frame(char type, Consumer<ByteBuf> body) {
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(type);
        buf.writeInt(0);
        body.accept(buf);
        buf.setInt(1, buf.writerIndex() - 1);
        return buf;
    }

    static void cString(ByteBuf buf, String value) {
        buf.writeCharSequence(value, StandardCharsets.UTF_8);
        buf.writeByte(0);
    }

    static ByteBuf concat(ByteBuf... frames) {
        return Unpooled.wrappedBuffer(frames);
    }

    /**
     * Writes {@code input} (a sequence of complete frames; released here) and drains what the channel produced. For
     * split feeds, checks that {@code writeInbound} reports a message exactly when a frame end was written.
     */
    static List<Object> feed(EmbeddedChannel channel, Feed mode, ByteBuf input) {
        List<Object> messages = new ArrayList<>();
        try {
            if (mode == Feed.ONE_CHUNK) {
                assertThat(channel.writeInbound(input.retain())).isTrue();
                drain(channel, messages);
                return messages;
            }
            TreeSet<Integer> frameEnds = new TreeSet<>();
            for (int pos = input.readerIndex(); pos < input.writerIndex(); ) {
                pos += 1 + input.getInt(pos + 1);
                frameEnds.add(pos - input.readerIndex());
            }
            SplittableRandom random = new SplittableRandom(frameEnds.hashCode());
            int offset = 0;
            int total = input.readableBytes();
            while (offset < total) {
                int chunk = mode == Feed.BYTE_BY_BYTE ? 1 : Math.min(total - offset, 1 + random.nextInt(12));
                boolean produced = channel.writeInbound(input.retainedSlice(input.readerIndex() + offset, chunk));
                Integer crossed = frameEnds.floor(offset + chunk);
                boolean frameEnded = crossed != null && crossed > offset;
                assertThat(produced).as("writeInbound after byte %d of %d", offset + chunk, total).isEqualTo(frameEnded);
                offset += chunk;
                drain(channel, messages);
            }
            return messages;
        } finally {
            input.release();
        }
    }

    private static void drain(EmbeddedChannel channel, List<Object> messages) {
        for (Object m = channel.readInbound(); m != null; m = channel.readInbound()) {
            messages.add(m);
        }
    }
}
