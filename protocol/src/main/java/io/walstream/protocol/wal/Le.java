package io.walstream.protocol.wal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian reads from byte arrays: WAL is written in the server's byte order, little-endian on x86 and ARM. */
final class Le {

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Le() {
    }

    static int u16(byte[] b, int off) {
        return (short) SHORT.get(b, off) & 0xFFFF;
    }

    static int i32(byte[] b, int off) {
        return (int) INT.get(b, off);
    }

    static long i64(byte[] b, int off) {
        return (long) LONG.get(b, off);
    }

    static void putU16(byte[] b, int off, int v) {
        SHORT.set(b, off, (short) v);
    }

    static void putI32(byte[] b, int off, int v) {
        INT.set(b, off, v);
    }

    static void putI64(byte[] b, int off, long v) {
        LONG.set(b, off, v);
    }
}
