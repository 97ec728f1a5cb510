package io.walstream.walreceiver;

import io.walstream.protocol.PgWalException;
import io.walstream.protocol.ServerVersion;
import io.walstream.walreceiver.conn.HostPort;

/** The server is older than walstream supports; raised right after startup, before any command. */
public final class UnsupportedServerException extends PgWalException {

    private static final long serialVersionUID = 1L;

    /** The oldest PostgreSQL major version walstream is tested with. */
    public static final int MINIMUM_MAJOR = 13;

    private final transient HostPort server;
    private final transient ServerVersion version;

    public UnsupportedServerException(HostPort server, ServerVersion version) {
        super("server " + server + " runs PostgreSQL " + version + "; walstream needs " + MINIMUM_MAJOR
                + " or later (upgrade the server, or use pg_receivewal from that version)");
        this.server = server;
        this.version = version;
    }

    /** Throws unless {@code version} is supported. */
    public static void check(HostPort server, ServerVersion version) {
        if (version.major() < MINIMUM_MAJOR) {
            throw new UnsupportedServerException(server, version);
        }
    }

    public HostPort server() {
        return server;
    }

    public ServerVersion version() {
        return version;
    }
}
