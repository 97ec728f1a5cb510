package io.walstream.protocol;

/**
 * Marker for every exception walstream raises for a condition it detected itself, whatever its superclass
 * (Netty codecs must throw {@link io.netty.handler.codec.DecoderException}). Such errors carry a one-line message
 * fit for an operator; test with {@code instanceof}.
 */
public interface PgWalError {
}
