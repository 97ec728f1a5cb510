package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.Objects;

/** ParameterStatus ({@code 'S'}): the current value of a run-time parameter such as {@code server_version}. */
public record ParameterStatus(String name, String value) implements BackendMessage {

    public ParameterStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    static ParameterStatus decode(ByteBuf body) {
        return new ParameterStatus(Decoding.cString(body, "ParameterStatus"), Decoding.cString(body, "ParameterStatus"));
    }
}
