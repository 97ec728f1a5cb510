package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.walstream.protocol.ProtocolViolationException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * DataRow ({@code 'D'}): one row of a command result. The column values are copied out of the network buffer,
 * so a DataRow is a plain value that needs no release (replication commands return a handful of small rows).
 */
public final class DataRow implements BackendMessage {

    private final byte[][] columns;

    /** Each element is a column value or null for SQL NULL; the arrays are copied. */
    public DataRow(byte[]... columns) {
        this.columns = new byte[columns.length][];
        for (int i = 0; i < columns.length; i++) {
            this.columns[i] = columns[i] == null ? null : columns[i].clone();
        }
    }

    static DataRow decode(ByteBuf body) {
        int count = body.readUnsignedShort();
        byte[][] columns = new byte[Math.min(count, body.readableBytes() / 4)][];
        if (columns.length < count) {
            throw new IndexOutOfBoundsException("DataRow with " + count + " columns in " + body.readableBytes() + " bytes");
        }
        for (int i = 0; i < count; i++) {
            int length = body.readInt();
            if (length < -1) {
                throw new ProtocolViolationException("DataRow: column " + i + " length: " + length + " (expected: >= -1)");
            }
            columns[i] = length == -1 ? null : Decoding.bytes(body, length);
        }
        return new DataRow(columns);
    }

    public int size() {
        return columns.length;
    }

    public boolean isNull(int index) {
        return columns[index] == null;
    }

    /** A copy of column {@code index}, or null for SQL NULL. */
    public byte[] bytes(int index) {
        return columns[index] == null ? null : columns[index].clone();
    }

    /** Column {@code index} as UTF-8 text (the text format), or null for SQL NULL. */
    public String text(int index) {
        return columns[index] == null ? null : new String(columns[index], StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataRow other && Arrays.deepEquals(columns, other.columns);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(columns);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("DataRow(");
        for (int i = 0; i < columns.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(columns[i] == null ? "NULL" : columns[i].length + " bytes");
        }
        return sb.append(')').toString();
    }
}
