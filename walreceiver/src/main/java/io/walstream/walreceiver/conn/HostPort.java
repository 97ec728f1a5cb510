package io.walstream.walreceiver.conn;

import java.util.Objects;

/**
 * One server to try: a host name (or Unix-socket directory), a port, and optionally libpq's
 * {@code hostaddr}, the numeric address to connect to instead of resolving the name.
 *
 * @param host     host name, IP literal, or a Unix-socket directory (starts with {@code /});
 *                 when only {@code hostaddr} was given this is the address itself, which is
 *                 what libpq then uses for .pgpass lookups and certificate checks
 * @param port     TCP port, or the socket file suffix for a Unix socket
 * @param hostaddr numeric address to connect to, or null to resolve {@code host}
 */
public record HostPort(String host, int port, String hostaddr) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new ConnInfoException("invalid port number: \"" + port + "\"");
        }
    }

    public HostPort(String host, int port) {
        this(host, port, null);
    }

    /** libpq's is_unixsock_path(): an absolute path, or '@' for a Linux abstract socket. */
    public boolean isUnixSocket() {
        return host.startsWith("/") || host.startsWith("@");
    }

    /** The address to open: {@code hostaddr} when given, else {@code host}. */
    public String connectAddress() {
        return hostaddr != null ? hostaddr : host;
    }

    @Override
    public String toString() {
        String name = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return name + ":" + port + (hostaddr != null ? " (" + hostaddr + ")" : "");
    }
}
