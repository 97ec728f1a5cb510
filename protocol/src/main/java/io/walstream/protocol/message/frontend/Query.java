package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;

/** Query ({@code 'Q'}): a simple query, the only kind a replication connection accepts. */
public record Query(String sql) implements FrontendMessage {

    public Query {
        Encoding.requireCString(sql, "sql");
    }

    @Override
    public void encode(ByteBuf out) {
        int lengthIndex = Encoding.begin(out, 'Q');
        Encoding.cString(out, sql);
        Encoding.end(out, lengthIndex);
    }
}
