package io.walstream.pgcluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the server reads at start and on reload: every setting in {@code pgcluster.conf}
 * (included from the {@code postgresql.conf} initdb wrote), and {@code pg_hba.conf} with its
 * local, TCP and replication lines. Both files are rewritten whole from what this class holds.
 */
final class ConfigFiles {

    static final String SETTINGS_FILE = "pgcluster.conf";
    /** pg_hba lines, one per address: normal and replication connections need a line each. */
    private static final List<String> LOOPBACK = List.of("127.0.0.1/32", "::1/128");

    private final Path dataDir;
    private final ServerAccount account;
    private final boolean tlsRequired;
    private final Map<String, String> settings;

    /** {@code settings}: the defaults ({@link #defaults}) followed by the caller's own, which win. */
    ConfigFiles(Path dataDir, ServerAccount account, boolean tlsRequired, Map<String, String> settings) {
        this.dataDir = dataDir;
        this.account = account;
        this.tlsRequired = tlsRequired;
        this.settings = new LinkedHashMap<>(settings);
    }

    /** What a primary or standby of walstream's tests needs: loopback, replication, hot standby, TLS when asked. */
    static Map<String, String> defaults(int port, Path socketDir, AuthMethod auth, TlsFiles tls) {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("listen_addresses", "127.0.0.1");
        defaults.put("port", Integer.toString(port));
        defaults.put("unix_socket_directories", socketDir.toString());
        defaults.put("wal_level", "replica");
        defaults.put("max_wal_senders", "10");
        defaults.put("max_replication_slots", "10");
        defaults.put("hot_standby", "on");
        defaults.put("max_connections", "50");
        defaults.put("password_encryption", auth.passwordEncryption());
        defaults.put("log_line_prefix", "%m [%p] %q%a ");
        defaults.put("log_replication_commands", "on");
        if (tls != null) {
            defaults.put("ssl", "on");
            defaults.put("ssl_cert_file", tls.serverCert().toString());
            defaults.put("ssl_key_file", tls.serverKey().toString());
            defaults.put("ssl_ca_file", tls.rootCert().toString());
        }
        return defaults;
    }

    /** The settings as they are (or will be, after {@link #writeSettings}) in pgcluster.conf. */
    Map<String, String> settings() {
        return Collections.unmodifiableMap(settings);
    }

    void put(String key, String value) {
        settings.put(key, value);
    }

    void putAll(Map<String, String> changed) {
        settings.putAll(changed);
    }

    /** Once, after initdb: postgresql.conf includes pgcluster.conf, so that only the latter is ever rewritten. */
    void includeSettingsFile() throws IOException {
        Files.writeString(dataDir.resolve("postgresql.conf"),
                "\n# walstream pgcluster: its settings live in " + SETTINGS_FILE + "\ninclude '" + SETTINGS_FILE + "'\n",
                StandardOpenOption.APPEND);
    }

    void writeSettings() {
        StringBuilder conf = new StringBuilder("# written by walstream pgcluster; rewritten on reload\n");
        settings.forEach((k, v) -> conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
        writeOwned(dataDir.resolve(SETTINGS_FILE), conf.toString());
    }

    /** Unix sockets trust everyone; TCP over loopback ({@code hostssl} only when TLS is required) uses {@code method}. */
    void writeHba(AuthMethod method) {
        StringBuilder hba = new StringBuilder("# written by walstream pgcluster\n")
                .append("local   all          all                   trust\n")
                .append("local   replication  all                   trust\n");
        String type = tlsRequired ? "hostssl" : "host";
        for (String address : LOOPBACK) {
            // "all" does not match replication connections: they need their own line.
            hba.append(String.format("%-7s all          all  %-16s %s%n", type, address, method.hbaMethod()));
            hba.append(String.format("%-7s replication  all  %-16s %s%n", type, address, method.hbaMethod()));
        }
        writeOwned(dataDir.resolve("pg_hba.conf"), hba.toString());
    }

    private void writeOwned(Path file, String content) {
        try {
            Files.writeString(file, content);
            account.own(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
