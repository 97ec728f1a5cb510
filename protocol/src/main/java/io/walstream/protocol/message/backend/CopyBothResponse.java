package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.List;

/** CopyBothResponse ({@code 'W'}): the replication stream starts; CopyData flows both ways. Formats are 0 (text) or 1 (binary). */
public record CopyBothResponse(int format, List<Integer> columnFormats) implements BackendMessage {

    public CopyBothResponse {
        columnFormats = List.copyOf(columnFormats);
    }

    static CopyBothResponse decode(ByteBuf body) {
        int format = body.readByte();
        int count = body.readUnsignedShort();
        Integer[] formats = new Integer[Math.min(count, body.readableBytes() / 2)];
        for (int i = 0; i < count; i++) {
            formats[i] = (int) body.readShort();
        }
        return new CopyBothResponse(format, List.of(formats));
    }
}
