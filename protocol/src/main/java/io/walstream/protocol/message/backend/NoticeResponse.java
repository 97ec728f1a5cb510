package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.Objects;

/** NoticeResponse ({@code 'N'}): a warning or notice, for logging. */
public record NoticeResponse(ErrorFields fields) implements BackendMessage {

    public NoticeResponse {
        Objects.requireNonNull(fields, "fields");
    }

    static NoticeResponse decode(ByteBuf body) {
        return new NoticeResponse(ErrorFields.decode(body, "NoticeResponse"));
    }
}
