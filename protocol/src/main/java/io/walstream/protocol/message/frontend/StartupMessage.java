package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** StartupMessage for protocol 3.0 with its parameters (user, replication, application_name, ...), in insertion order. */
public record StartupMessage(Map<String, String> parameters) implements FrontendMessage {

    /** Protocol 3.0: major 3 in the high 16 bits, minor 0 in the low. */
    public static final int PROTOCOL_3_0 = 3 << 16;

    public StartupMessage {
        Map<String, String> copy = new LinkedHashMap<>();
        parameters.forEach((name, value) -> {
            if (Encoding.requireCString(name, "startup parameter name").isEmpty()) {
                throw new IllegalArgumentException("empty startup parameter name");
            }
            copy.put(name, Encoding.requireCString(value, "startup parameter " + name));
        });
        if (!copy.containsKey("user")) {
            throw new IllegalArgumentException("startup parameters need a user");
        }
        parameters = Collections.unmodifiableMap(copy);
    }

    /** Parameters for a physical replication connection ({@code replication=true}) as {@code user}. */
    public static StartupMessage physicalReplication(String user, String applicationName) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("replication", "true");
        if (applicationName != null) {
            parameters.put("application_name", applicationName);
        }
        return new StartupMessage(parameters);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(0);
        out.writeInt(PROTOCOL_3_0);
        parameters.forEach((name, value) -> {
            Encoding.cString(out, name);
            Encoding.cString(out, value);
        });
        out.writeByte(0);
        out.setInt(start, out.writerIndex() - start);
    }
}
