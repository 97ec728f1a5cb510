package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.List;

/** CopyInResponse ({@code 'G'}): the server is ready for COPY FROM STDIN data. Formats are 0 (text) or 1 (binary). */
public record CopyInResponse(int format, List<Integer> columnFormats) implements BackendMessage {

    public CopyInResponse {
        columnFormats = List.copyOf(columnFormats);
    }

    static CopyInResponse decode(ByteBuf body) {
        int format = body.readByte();
        int count = body.readUnsignedShort();
        Integer[] formats = new Integer[Math.min(count, body.readableBytes() / 2)];
        for (int i = 0; i < count; i++) {
            formats[i] = (int) body.readShort();
        }
        return new CopyInResponse(format, List.of(formats));
    }
}
