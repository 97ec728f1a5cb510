package io.walstream.cli;

import io.walstream.walreceiver.conn.ConnectionSettings;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** pg_receivewal's connection flags; anything not given comes from the conninfo, then PG* variables. */
final class ConnectionOptions {

    @Option(names = {"-d", "--dbname"}, paramLabel = "CONNINFO",
            description = "Connection string or URI (libpq syntax), e.g. \"host=db user=rep sslmode=verify-full\".")
    String conninfo;

    @Option(names = {"-h", "--host"}, paramLabel = "HOST", description = "Server host (default: PGHOST, localhost).")
    String host;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "Server port (default: PGPORT, 5432).")
    String port;

    @Option(names = {"-U", "--username"}, paramLabel = "USER", description = "Role to connect as (default: PGUSER, OS user).")
    String user;

    /** Whether any connection flag was given (PG* variables alone do not make a command connect). */
    boolean given() {
        return conninfo != null || host != null || port != null || user != null;
    }

    ConnectionSettings resolve() {
        Map<String, String> overrides = new HashMap<>();
        if (host != null) {
            overrides.put("host", host);
        }
        if (port != null) {
            overrides.put("port", port);
        }
        if (user != null) {
            overrides.put("user", user);
        }
        return ConnectionSettings.resolve(conninfo, overrides);
    }
}
