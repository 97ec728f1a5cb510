package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.walstream.protocol.Lsn;

/**
 * XLogData ({@code 'w'} in CopyData): WAL bytes starting at {@link #dataStart()}. The content is a retained slice of
 * the received buffer (never a copy) and must be released. Positions are raw LSN values and times are
 * {@link io.walstream.protocol.PgEpoch} microseconds, so reading them allocates nothing.
 */
public final class XLogData extends DefaultByteBufHolder implements BackendMessage {

    /** Sub-type byte plus three Int64 header fields. */
    public static final int HEADER_LENGTH = 1 + 8 + 8 + 8;

    private final long dataStart;
    private final long walEnd;
    private final long sendTime;

    public XLogData(long dataStart, long walEnd, long sendTime, ByteBuf walBytes) {
        super(walBytes);
        this.dataStart = dataStart;
        this.walEnd = walEnd;
        this.sendTime = sendTime;
    }

    /** LSN of the first WAL byte in {@link #content()}. */
    public long dataStart() {
        return dataStart;
    }

    /** LSN just after the last WAL byte in {@link #content()}. */
    public long dataEnd() {
        return dataStart + content().readableBytes();
    }

    /** The end of WAL on the server (its flush or replay position) when it sent this. */
    public long walEnd() {
        return walEnd;
    }

    /** Server clock at transmission, PostgreSQL epoch microseconds. */
    public long sendTime() {
        return sendTime;
    }

    @Override
    public XLogData copy() {
        return replace(content().copy());
    }

    @Override
    public XLogData duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public XLogData retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public XLogData replace(ByteBuf content) {
        return new XLogData(dataStart, walEnd, sendTime, content);
    }

    @Override
    public XLogData retain() {
        super.retain();
        return this;
    }

    @Override
    public XLogData retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public XLogData touch() {
        super.touch();
        return this;
    }

    @Override
    public XLogData touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XLogData other && dataStart == other.dataStart && walEnd == other.walEnd
            && sendTime == other.sendTime && super.equals(o);
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(dataStart) * 31 + Long.hashCode(walEnd)) * 31 + super.hashCode();
    }

    @Override
    public String toString() {
        return "XLogData(dataStart=" + Lsn.format(dataStart) + ", walEnd=" + Lsn.format(walEnd) + ", sendTime=" + sendTime
            + ", " + content().readableBytes() + " bytes)";
    }
}
