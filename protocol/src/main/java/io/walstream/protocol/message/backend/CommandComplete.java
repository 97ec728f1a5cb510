package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.Objects;

/** CommandComplete ({@code 'C'}) with its command tag, e.g. {@code IDENTIFY_SYSTEM} or {@code START_STREAMING}. */
public record CommandComplete(String tag) implements BackendMessage {

    public CommandComplete {
        Objects.requireNonNull(tag, "tag");
    }

    static CommandComplete decode(ByteBuf body) {
        return new CommandComplete(Decoding.cString(body, "CommandComplete"));
    }
}
