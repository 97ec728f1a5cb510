package io.walstream.replaysim;

/** One message of WAL as the standby received it: bytes [dataStart, dataEnd) at {@code receivedMicros}. */
public record Receipt(long dataStart, long dataEnd, long receivedMicros) {
}
