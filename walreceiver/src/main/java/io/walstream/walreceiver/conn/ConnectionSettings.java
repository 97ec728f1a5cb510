package io.walstream.walreceiver.conn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a physical replication client needs to open its connection, resolved from a libpq
 * conninfo string, command-line overrides, {@code PG*} environment variables and libpq's defaults.
 * The client always sends {@code replication=true}; {@link #toString()} never shows the password.
 *
 * @param hosts           servers to try in order (libpq's multi-host {@code host=a,b port=1,2})
 * @param user            role name
 * @param password        explicit password (conninfo, override or PGPASSWORD), or null; see
 *                        {@link #passwordFor(HostPort)} for the password-file fallback
 * @param passfile        password file to consult when {@code password} is null, or null when
 *                        there is none (no home directory)
 * @param dbname          database name; only matters for pg_hba and .pgpass matching on a
 *                        physical replication connection
 * @param applicationName {@code application_name} to send
 * @param sslMode         TLS policy
 * @param sslRootCert     root certificates file, or null; the literal {@code system} means the
 *                        platform's trust store (libpq ≥ 16). libpq also verifies against this
 *                        file in {@code require} mode when it exists
 * @param sslCert         client certificate file, or null
 * @param sslKey          client key file, or null
 * @param channelBinding  SCRAM channel-binding policy
 * @param connectTimeout  per-host connection timeout; {@link Duration#ZERO} means wait indefinitely
 * @param options         other libpq keywords, verbatim (options, keepalives*, tcp_user_timeout,
 *                        target_session_attrs, gssencmode, sslnegotiation)
 */
public record ConnectionSettings(
        List<HostPort> hosts,
        String user,
        String password,
        Path passfile,
        String dbname,
        String applicationName,
        SslMode sslMode,
        Path sslRootCert,
        Path sslCert,
        Path sslKey,
        ChannelBinding channelBinding,
        Duration connectTimeout,
        Map<String, String> options) {

    /** libpq's DEF_PGPORT. */
    public static final int DEFAULT_PORT = 5432;

    /**
     * libpq defaults to a Unix socket in its compiled-in directory; a Java client has no such
     * default, so we use TCP to localhost. A host starting with '/' still names a socket directory.
     */
    public static final String DEFAULT_HOST = "localhost";

    /** pg_receivewal's streamutil passes dbname=replication, which .pgpass lines often name. */
    public static final String DEFAULT_DBNAME = "replication";

    public static final String DEFAULT_APPLICATION_NAME = "walstream";

    public ConnectionSettings {
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("at least one host is needed");
        }
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(dbname, "dbname");
        Objects.requireNonNull(applicationName, "applicationName");
        Objects.requireNonNull(sslMode, "sslMode");
        Objects.requireNonNull(channelBinding, "channelBinding");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        options = Collections.unmodifiableMap(new TreeMap<>(options));
    }

    /** {@link #resolve(String, Map, Map, Path, String)} with this process's environment, home and user. */
    public static ConnectionSettings resolve(String conninfoOrNull, Map<String, String> overrides) {
        String home = System.getProperty("user.home");
        return resolve(conninfoOrNull, overrides, System.getenv(),
                home == null || home.isEmpty() ? null : Path.of(home), System.getProperty("user.name"));
    }

    /**
     * Settings from {@code conninfo} alone: no environment variable, password file or home directory is read,
     * as for a server this process started itself and knows the password of.
     */
    public static ConnectionSettings fromConninfo(String conninfo) {
        return resolve(conninfo, Map.of(), Map.of(), null, null);
    }

    /**
     * Resolves settings with libpq's precedence, per keyword: {@code overrides} (command-line
     * flags such as -h/-p/-U, keyed by libpq keyword) &gt; {@code conninfoOrNull} &gt;
     * {@code env} ({@code PGHOST}, {@code PGPORT}, ...) &gt; defaults. Empty values count as
     * not given, as in pg_receivewal. {@code PGDATABASE} is not read: pg_receivewal always passes
     * dbname=replication, so libpq never consults it there. Reads nothing but the existence of the
     * default certificate files under {@code homeDir}; the password file is read later by
     * {@link #passwordFor}.
     *
     * @param homeDir home directory for {@code .pgpass} and {@code .postgresql/}, or null
     * @param osUser  user name to default to, or null if unknown
     * @throws ConnInfoException on any setting libpq would refuse, and for features we lack
     */
    public static ConnectionSettings resolve(String conninfoOrNull, Map<String, String> overrides,
            Map<String, String> env, Path homeDir, String osUser) {
        Map<String, String> given = new HashMap<>();
        if (conninfoOrNull != null) {
            putNotEmpty(given, ConnInfo.parse(conninfoOrNull).values());
        }
        putNotEmpty(given, ConnInfo.of(overrides).values());
        // libpq's conninfo_add_defaults(): each keyword not given falls back to its variable.
        ConnInfo.KEYWORD_ENV_VARS.forEach((keyword, variable) -> {
            String value = variable == null ? null : env.get(variable);
            if (!given.containsKey(keyword) && value != null && !value.isEmpty()) {
                try {
                    ConnInfo.checkValue(keyword, value);
                } catch (ConnInfoException e) {
                    throw new ConnInfoException(e.getMessage() + " (from environment variable " + variable + ")");
                }
                given.put(keyword, value);
            }
        });

        String user = given.getOrDefault("user", osUser);
        if (user == null || user.isEmpty()) {
            throw new ConnInfoException("no user name given, and the operating-system user name is unknown");
        }
        String applicationName = given.getOrDefault("application_name",
                given.getOrDefault("fallback_application_name", DEFAULT_APPLICATION_NAME));

        String sslRootCert = given.get("sslrootcert");
        SslMode sslMode;
        if ("system".equals(sslRootCert)) {
            // libpq ≥ 16: the platform's public CAs only make sense with host-name checking.
            sslMode = SslMode.parse(given.getOrDefault("sslmode", "verify-full"));
            if (sslMode != SslMode.VERIFY_FULL) {
                throw new ConnInfoException("weak sslmode \"" + sslMode.libpqName()
                        + "\" may not be used with sslrootcert=system (use \"verify-full\")");
            }
        } else {
            sslMode = SslMode.parse(given.getOrDefault("sslmode", "prefer"));
        }
        if ("direct".equals(given.get("sslnegotiation")) && !(sslMode == SslMode.REQUIRE || sslMode.verifiesCertificate())) {
            throw new ConnInfoException("weak sslmode \"" + sslMode.libpqName()
                    + "\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")");
        }

        Map<String, String> options = new TreeMap<>();
        for (String keyword : ConnInfo.OTHER_KEYWORDS) {
            if (given.containsKey(keyword)) {
                options.put(keyword, given.get(keyword));
            }
        }
        String passfile = given.get("passfile");
        return new ConnectionSettings(
                hosts(given.get("host"), given.get("hostaddr"), given.get("port")),
                user,
                given.get("password"),
                passfile != null ? Path.of(passfile) : homeDir != null ? homeDir.resolve(".pgpass") : null,
                given.getOrDefault("dbname", DEFAULT_DBNAME),
                applicationName,
                sslMode,
                pathOrDefault(sslRootCert, homeDir, "root.crt"),
                pathOrDefault(given.get("sslcert"), homeDir, "postgresql.crt"),
                pathOrDefault(given.get("sslkey"), homeDir, "postgresql.key"),
                ChannelBinding.parse(given.getOrDefault("channel_binding", "prefer")),
                connectTimeout(given.get("connect_timeout")),
                options);
    }

    /**
     * The password to use for this host: the explicit one, else the first matching line of the
     * password file (read now, so a reconnect sees edits), else empty. Like libpq, the lookup is
     * per host because a multi-host list may need different passwords.
     */
    public Optional<String> passwordFor(HostPort host) {
        if (password != null) {
            return Optional.of(password);
        }
        if (passfile == null) {
            return Optional.empty();
        }
        return PgPass.load(passfile).find(host.host(), host.port(), dbname, user);
    }

    /** The StartupMessage parameters of a physical replication connection. */
    public Map<String, String> startupParameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", dbname);
        parameters.put("replication", "true");
        parameters.put("application_name", applicationName);
        String commandLineOptions = options.get("options");
        if (commandLineOptions != null) {
            parameters.put("options", commandLineOptions);
        }
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public String toString() {
        return "ConnectionSettings[hosts=" + hosts + ", user=" + user
                + ", password=" + (password == null ? "null" : "<redacted>")
                + ", passfile=" + passfile + ", dbname=" + dbname + ", applicationName=" + applicationName
                + ", sslMode=" + sslMode.libpqName() + ", sslRootCert=" + sslRootCert + ", sslCert=" + sslCert
                + ", sslKey=" + sslKey + ", channelBinding=" + channelBinding.libpqName()
                + ", connectTimeout=" + connectTimeout + ", options=" + options + "]";
    }

    private static void putNotEmpty(Map<String, String> into, Map<String, String> values) {
        values.forEach((keyword, value) -> {
            if (!value.isEmpty()) {
                into.put(keyword, value);
            }
        });
    }

    /**
     * libpq's connectOptions2(): as many entries as hostaddr values (else host names, else one);
     * one port applies to all, otherwise the counts must match. Empty entries take the defaults.
     */
    private static List<HostPort> hosts(String host, String hostaddr, String port) {
        List<String> names = host == null ? List.of() : List.of(host.split(",", -1));
        List<String> addresses = hostaddr == null ? List.of() : List.of(hostaddr.split(",", -1));
        List<String> ports = port == null ? List.of() : List.of(port.split(",", -1));
        int count = !addresses.isEmpty() ? addresses.size() : !names.isEmpty() ? names.size() : 1;
        if (!names.isEmpty() && names.size() != count) {
            throw new ConnInfoException("could not match " + names.size() + " host names to " + count + " hostaddr values");
        }
        if (ports.size() > 1 && ports.size() != count) {
            throw new ConnInfoException("could not match " + ports.size() + " port numbers to " + count + " hosts");
        }
        List<HostPort> hosts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = names.isEmpty() ? "" : names.get(i);
            String address = addresses.isEmpty() || addresses.get(i).isEmpty() ? null : addresses.get(i);
            String portText = ports.isEmpty() ? "" : ports.get(ports.size() == 1 ? 0 : i);
            hosts.add(new HostPort(
                    !name.isEmpty() ? name : address != null ? address : DEFAULT_HOST,
                    portText.isEmpty() ? DEFAULT_PORT : ConnInfo.parsePort(portText),
                    address));
        }
        return hosts;
    }

    /** libpq falls back to ~/.postgresql/FILE only when that file exists. */
    private static Path pathOrDefault(String given, Path homeDir, String defaultFile) {
        if (given != null) {
            return Path.of(given);
        }
        if (homeDir == null) {
            return null;
        }
        Path candidate = homeDir.resolve(".postgresql").resolve(defaultFile);
        return Files.exists(candidate) ? candidate : null;
    }

    /**
     * libpq: whole seconds; zero or negative waits forever; libpq ≥ 13 raises 1 to 2 seconds
     * because its deadline rounding could otherwise give up almost at once.
     */
    private static Duration connectTimeout(String value) {
        if (value == null) {
            return Duration.ZERO;
        }
        int seconds = ConnInfo.parseInt("connect_timeout", value);
        return seconds <= 0 ? Duration.ZERO : Duration.ofSeconds(Math.max(seconds, 2));
    }
}
