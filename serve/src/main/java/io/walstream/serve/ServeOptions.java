package io.walstream.serve;

import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.function.LongSupplier;

/**
 * How {@link WalServer} listens and whom it answers.
 *
 * @param listen     where to listen (127.0.0.1 unless told otherwise: WAL holds every row written)
 * @param tls        TLS for standbys on other hosts, or null for plain HTTP
 * @param token      the bearer token every request must carry, or null for none
 * @param prefetch   how many segments after a requested one to prepare ahead (0: none)
 * @param flushedLsn the receiver's durable position when it runs in the same process, so a {@code .partial} is
 *                   served up to it; null to read each {@code .partial}'s end from its records
 */
public record ServeOptions(InetSocketAddress listen, SslContext tls, String token, int prefetch,
        LongSupplier flushedLsn) {

    public static final int DEFAULT_PORT = 7480;
    public static final int DEFAULT_PREFETCH = 8;

    public ServeOptions {
        if (prefetch < 0) {
            throw new IllegalArgumentException("prefetch: " + prefetch + " (expected: >= 0)");
        }
        if (token != null && token.isBlank()) {
            throw new IllegalArgumentException("the token is empty");
        }
    }

    /** Plain HTTP on {@code listen}, no token, the default prefetch. */
    public static ServeOptions plain(InetSocketAddress listen) {
        return new ServeOptions(listen, null, null, DEFAULT_PREFETCH, null);
    }

    public ServeOptions withToken(String value) {
        return new ServeOptions(listen, tls, value, prefetch, flushedLsn);
    }

    public ServeOptions withTls(SslContext value) {
        return new ServeOptions(listen, value, token, prefetch, flushedLsn);
    }

    public ServeOptions withPrefetch(int value) {
        return new ServeOptions(listen, tls, token, value, flushedLsn);
    }

    public ServeOptions withFlushedLsn(LongSupplier value) {
        return new ServeOptions(listen, tls, token, prefetch, value);
    }
}
