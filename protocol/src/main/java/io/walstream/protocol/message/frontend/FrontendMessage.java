package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;

/** A message sent by the client. */
public sealed interface FrontendMessage
    permits CopyData, CopyDone, HotStandbyFeedback, PasswordMessage, Query, SASLInitialResponse, SASLResponse, SSLRequest,
    StandbyStatusUpdate, StartupMessage, Terminate {

    /** Appends the complete wire form of this message (type byte, length, body) to {@code out}. */
    void encode(ByteBuf out);
}
