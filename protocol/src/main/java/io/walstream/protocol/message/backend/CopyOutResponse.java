package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.List;

/** CopyOutResponse ({@code 'H'}): COPY TO STDOUT data follows. Formats are 0 (text) or 1 (binary). */
public record CopyOutResponse(int format, List<Integer> columnFormats) implements BackendMessage {

    public CopyOutResponse {
        columnFormats = List.copyOf(columnFormats);
    }

    static CopyOutResponse decode(ByteBuf body) {
        int format = body.readByte();
        int count = body.readUnsignedShort();
        Integer[] formats = new Integer[Math.min(count, body.readableBytes() / 2)];
        for (int i = 0; i < count; i++) {
            formats[i] = (int) body.readShort();
        }
        return new CopyOutResponse(format, List.of(formats));
    }
}
