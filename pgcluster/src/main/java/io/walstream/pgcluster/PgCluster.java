package io.walstream.pgcluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real PostgreSQL server, primary or hot standby, in its own directory on a free loopback
 * port. Created by {@link #builder()} or {@link #createStandby}; stopped and removed by
 * {@link #close()}, or at JVM exit if nobody closed it.
 *
 * <pre>{@code
 * try (PgCluster primary = PgCluster.builder().version(17).auth(AuthMethod.SCRAM_SHA_256).start();
 *      PgCluster standby = primary.createStandby(StandbyOptions.streaming("standby"))) {
 *     primary.execute("CREATE TABLE t AS SELECT 1 AS x");
 *     standby.waitForReplay(primary.currentWalLsn(), Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class PgCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PgCluster.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(5);
    /** pg_hba lines, one per address: normal and replication connections need a line each. */
    private static final List<String> LOOPBACK = List.of("127.0.0.1/32", "::1/128");
    /** Contents a base backup leaves out (PostgreSQL docs, "Making a Base Backup Using the Low Level API"). */
    private static final Set<String> EMPTIED_IN_BACKUP = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    private static final Set<String> OMITTED_FROM_BACKUP = Set.of("postmaster.pid", "postmaster.opts",
            "pg_internal.init", "backup_label", "tablespace_map", "standby.signal", "recovery.signal");

    private final String name;
    private final PgBinaries binaries;
    private final Path dir;
    private final Path dataDir;
    private final Path logFile;
    private final String superuser = "postgres";
    private final String password;
    private final AuthMethod auth;
    private final TlsFiles tls;
    private final boolean tlsRequired;
    private final Map<String, String> settings;
    private final ServerAccount account;
    private int port;
    /** False until the superuser's password is stored with this cluster's password_encryption. */
    private boolean passwordStored;
    private volatile boolean running;
    private volatile boolean closed;
    private volatile String keptLog = "";

    private PgCluster(Builder b, Path dir) {
        this.name = b.name;
        this.binaries = b.binaries != null ? b.binaries : PgBinaries.resolve(b.major);
        this.dir = dir;
        this.dataDir = dir.resolve("data");
        this.logFile = dir.resolve("server.log");
        this.password = b.password != null ? b.password : randomPassword();
        this.auth = b.auth;
        this.tlsRequired = b.tlsRequired;
        this.tls = b.tls || b.tlsRequired ? TlsFiles.generate(dir.resolve("tls")) : null;
        this.account = ServerAccount.get();
        this.port = freePort();
        this.settings = new LinkedHashMap<>();
        settings.put("listen_addresses", "127.0.0.1");
        settings.put("port", Integer.toString(port));
        settings.put("unix_socket_directories", dir.toString());
        settings.put("wal_level", "replica");
        settings.put("max_wal_senders", "10");
        settings.put("max_replication_slots", "10");
        settings.put("hot_standby", "on");
        settings.put("max_connections", "50");
        settings.put("password_encryption", auth.passwordEncryption());
        settings.put("log_line_prefix", "%m [%p] %q%a ");
        settings.put("log_replication_commands", "on");
        if (tls != null) {
            settings.put("ssl", "on");
            settings.put("ssl_cert_file", tls.serverCert().toString());
            settings.put("ssl_key_file", tls.serverKey().toString());
            settings.put("ssl_ca_file", tls.rootCert().toString());
        }
        settings.putAll(b.settings);
    }

    /** A new primary: {@code builder().version(17).auth(...).tls(true).setting(k, v).start()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options for a new primary. */
    public static final class Builder {
        private int major = PgBinaries.defaultMajor();
        private PgBinaries binaries;
        private String name = "primary";
        private AuthMethod auth = AuthMethod.SCRAM_SHA_256;
        private boolean tls;
        private boolean tlsRequired;
        private String password;
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder() {
        }

        /** Major version (13 to 18); the binaries come from {@link PgBinaries#resolve(int)}. */
        public Builder version(int major) {
            this.major = major;
            return this;
        }

        /** Use these binaries instead of resolving them by version. */
        public Builder binaries(PgBinaries binaries) {
            this.binaries = binaries;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** How TCP connections authenticate (default scram-sha-256). */
        public Builder auth(AuthMethod auth) {
            this.auth = auth;
            return this;
        }

        /** Serve TLS with a certificate generated now ({@link PgCluster#tls()}); plain TCP is still accepted. */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /** Serve TLS and refuse TCP connections without it ({@code hostssl} lines only). */
        public Builder tlsRequired(boolean required) {
            this.tlsRequired = required;
            return this;
        }

        /** The superuser's password (default: random). */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** A postgresql.conf setting; overrides the defaults for replication. */
        public Builder setting(String key, String value) {
            settings.put(key, value);
            return this;
        }

        /** Runs initdb; the server is not started. */
        public PgCluster create() {
            PgCluster cluster = new PgCluster(this, newClusterDir(name));
            ClusterRegistry.register(cluster);
            try {
                cluster.initdb();
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }

        /** Runs initdb and starts the server. */
        public PgCluster start() {
            PgCluster cluster = create();
            try {
                cluster.start();
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }
    }

    private static Path newClusterDir(String name) {
        if (!name.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("cluster name: " + name + " (expected: letters, digits, _)");
        }
        Path dir = ClusterRegistry.baseDir().resolve(name + "-" + SEQUENCE.incrementAndGet());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    // ---------------------------------------------------------------- lifecycle

    private void initdb() {
        Path pwfile = dir.resolve("pwfile");
        try {
            Files.writeString(pwfile, password + "\n");
            Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
            account.own(dir);
            account.run(List.of(binaries.tool("initdb").toString(), "-D", dataDir.toString(), "-U", superuser,
                    "--pwfile=" + pwfile, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"),
                    Map.of(), TOOL_TIMEOUT);
            Files.writeString(dataDir.resolve("postgresql.conf"),
                    "\n# walstream pgcluster: its settings live in pgcluster.conf\ninclude 'pgcluster.conf'\n",
                    java.nio.file.StandardOpenOption.APPEND);
            writeConfig();
            // Trust until the first start has stored the password with this cluster's password_encryption
            // (initdb of 13 stores md5, which scram-sha-256 cannot check).
            writeHba(AuthMethod.TRUST);
        } catch (IOException e) {
            throw new UncheckedIOException("initdb of " + name, e);
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException ignored) {
                // best effort: the whole directory goes at close
            }
        }
    }

    private void writeConfig() {
        StringBuilder conf = new StringBuilder("# written by walstream pgcluster; rewritten on reload\n");
        settings.forEach((k, v) -> conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
        writeOwned(dataDir.resolve("pgcluster.conf"), conf.toString());
    }

    private void writeHba(AuthMethod method) {
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

    /** Starts the server and waits until it accepts connections (read-only ones for a standby). */
    public PgCluster start() {
        return start(true);
    }

    /**
     * Starts the server; with {@code waitUntilReady} false, returns once the postmaster runs
     * (a standby that restores from an archive may take long to become consistent).
     */
    public PgCluster start(boolean waitUntilReady) {
        checkOpen();
        for (int attempt = 1; ; attempt++) {
            removeStaleLockFiles();
            long logStart = logSize();
            account.run(List.of(binaries.tool("pg_ctl").toString(), "-D", dataDir.toString(), "-l", logFile.toString(),
                    "-W", "start"), Map.of(), TOOL_TIMEOUT);
            running = true;
            try {
                awaitStatus(waitUntilReady || !passwordStored ? Set.of("ready", "standby")
                        : Set.of("starting", "ready", "standby"), logStart, START_TIMEOUT);
                if (!passwordStored) {
                    execute("ALTER ROLE " + quoteIdentifier(superuser) + " PASSWORD " + quoteLiteral(password));
                    writeHba(auth);
                    reloadFiles();
                    passwordStored = true;
                }
                return this;
            } catch (PgClusterException e) {
                running = false;
                killAll();
                if (attempt < 5 && logSince(logStart).contains("could not bind")) {
                    // Another process took the port between our check and the server's bind.
                    port = freePort();
                    settings.put("port", Integer.toString(port));
                    writeConfig();
                    continue;
                }
                throw e;
            }
        }
    }

    /** Stops the server ({@code pg_ctl stop -m mode}) and waits until all its processes are gone. */
    public void stop(StopMode mode) {
        if (!running) {
            return;
        }
        try {
            account.run(List.of(binaries.tool("pg_ctl").toString(), "-D", dataDir.toString(),
                    "-m", mode.name().toLowerCase(Locale.ROOT), "-w", "-t", "120", "stop"), Map.of(), TOOL_TIMEOUT);
        } finally {
            running = false;
            awaitNoProcesses(Duration.ofSeconds(30));
        }
    }

    /** Fast shutdown. */
    public void stop() {
        stop(StopMode.FAST);
    }

    /** SIGKILL of the postmaster and every process of this cluster, as a power loss or the OOM killer would. */
    public void crash() {
        checkOpen();
        Long pid = postmasterPid();
        if (pid != null) {
            ProcessTable.kill(pid);
        }
        killAll();
        running = false;
    }

    /** Fast stop (if running) and start. */
    public PgCluster restart() {
        stop(StopMode.FAST);
        return start();
    }

    /**
     * Changes settings in pgcluster.conf and makes the server reread its files; returns the
     * settings that still need a restart ({@code pg_settings.pending_restart}).
     */
    public List<String> reload(Map<String, String> changed) {
        checkOpen();
        settings.putAll(changed);
        writeConfig();
        if (!running) {
            return List.of();
        }
        reloadFiles();
        return query("SELECT name FROM pg_settings WHERE pending_restart ORDER BY name").stream()
                .map(row -> row.get(0)).toList();
    }

    /** SIGHUP through pg_ctl, then waits until the postmaster has reread its files (it logs that). */
    private void reloadFiles() {
        long before = logSize();
        account.run(List.of(binaries.tool("pg_ctl").toString(), "-D", dataDir.toString(), "reload"), Map.of(),
                TOOL_TIMEOUT);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!logSince(before).contains("received SIGHUP, reloading configuration files")) {
            if (System.nanoTime() > deadline) {
                throw failure("the server did not reload its configuration in 30 s");
            }
            sleep(10);
        }
    }

    /** Stops the server, keeps its log (see {@code pgcluster.logDir}), and removes its directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            if (running) {
                try {
                    stop(StopMode.IMMEDIATE);
                } catch (RuntimeException e) {
                    log.warn("{}: immediate stop failed ({}); killing it", name, e.getMessage());
                }
            }
            killAll();
            keepLog();
        } finally {
            closed = true;
            running = false;
            Directories.deleteRecursively(dir);
        }
    }

    private void keepLog() {
        keptLog = readLog();
        String logDir = System.getProperty("pgcluster.logDir");
        if (logDir != null && !logDir.isBlank() && Files.exists(logFile)) {
            try {
                Path target = Path.of(logDir).resolve(ClusterRegistry.baseDir().getFileName() + "-"
                        + dir.getFileName() + ".log");
                Files.createDirectories(target.getParent());
                Files.copy(logFile, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                log.warn("{}: could not keep the server log: {}", name, e.toString());
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cluster " + name + " is closed");
        }
    }

    // ---------------------------------------------------------------- processes and status

    /** The postmaster's PID from postmaster.pid, or null when there is no such file. */
    public Long postmasterPid() {
        List<String> lines = pidFileLines();
        return lines.isEmpty() ? null : Long.valueOf(lines.get(0).trim());
    }

    /** Live processes (postmaster and children) of this cluster. */
    public List<Long> processes() {
        return ProcessTable.withWorkingDirectory(dataDir::equals);
    }

    private List<String> pidFileLines() {
        try {
            return Files.readAllLines(dataDir.resolve("postmaster.pid"));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Removes postmaster.pid and socket lock files of a killed server. PostgreSQL itself would
     * refuse them when their PID is a zombie (where PID 1 does not reap orphans, as in some
     * containers), since a zombie still answers kill(pid, 0).
     */
    private void removeStaleLockFiles() {
        try (var files = Files.list(dir)) {
            List<Path> locks = new ArrayList<>(files.filter(f -> f.getFileName().toString().matches("\\.s\\.PGSQL\\.\\d+\\.lock"))
                    .toList());
            locks.add(dataDir.resolve("postmaster.pid"));
            for (Path lock : locks) {
                List<String> lines = Files.exists(lock) ? Files.readAllLines(lock) : List.of();
                if (!lines.isEmpty() && !ProcessTable.isAlive(Long.parseLong(lines.get(0).trim()))) {
                    Files.deleteIfExists(lock);
                    if (!lock.getFileName().toString().equals("postmaster.pid")) {
                        String socket = lock.getFileName().toString();
                        Files.deleteIfExists(lock.resolveSibling(socket.substring(0, socket.length() - 5)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for postmaster.pid's status line (line 8: starting, stopping, ready, standby). */
    private void awaitStatus(Set<String> wanted, long logStart, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = pidFileLines();
            if (lines.size() >= 8 && wanted.contains(lines.get(7).trim())
                    && ProcessTable.isAlive(Long.parseLong(lines.get(0).trim()))) {
                return;
            }
            Long pid = lines.isEmpty() ? null : Long.valueOf(lines.get(0).trim());
            if (pid != null && !ProcessTable.isAlive(pid) || logSince(logStart).contains("database system is shut down")) {
                throw failure("the server exited while starting");
            }
            if (System.nanoTime() > deadline) {
                throw failure("the server did not become " + wanted + " in " + timeout);
            }
            sleep(20);
        }
    }

    private void awaitNoProcesses(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!processes().isEmpty()) {
            if (System.nanoTime() > deadline) {
                log.warn("{}: processes {} outlived the stop; killing them", name, processes());
                killAll();
                return;
            }
            sleep(20);
        }
    }

    private void killAll() {
        ClusterRegistry.killProcessesUnder(dataDir);
    }

    // ---------------------------------------------------------------- SQL

    /** {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A superuser connection to database {@code postgres}. */
    public Connection connect() {
        return connect(new Properties());
    }

    /** A superuser connection with extra pgjdbc properties (they may override user and password). */
    public Connection connect(Properties extra) {
        checkOpen();
        Properties p = new Properties();
        p.setProperty("user", superuser);
        p.setProperty("password", password);
        p.setProperty("sslmode", tlsRequired ? "require" : "disable");
        p.setProperty("connectTimeout", "30");
        // pgjdbc sends the replication startup parameter only when it may assume a server >= 9.4.
        p.setProperty("assumeMinServerVersion", "10");
        p.putAll(extra);
        try {
            return DriverManager.getConnection(jdbcUrl(p.getProperty("dbname", "postgres")), p);
        } catch (SQLException e) {
            throw failure("cannot connect: " + e.getMessage(), e);
        }
    }

    /** A physical replication connection ({@code replication=true}, simple query protocol) as the superuser. */
    public Connection replicationConnection() {
        Properties p = new Properties();
        p.setProperty("replication", "true");
        p.setProperty("preferQueryMode", "simple");
        return connect(p);
    }

    /** Runs statements, each in its own autocommit transaction. */
    public void execute(String... sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw failure("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Rows of a query as text (SQL NULL as Java null); parameters are bound as text. */
    public List<List<String>> query(String sql, Object... params) {
        try (Connection c = connect()) {
            return query(c, sql, params);
        } catch (SQLException e) {
            throw failure("SQL failed: " + e.getMessage() + " (" + sql + ")", e);
        }
    }

    /** Rows of a query as text on a connection the caller holds (SQL NULL as Java null). */
    public static List<List<String>> query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>(columns);
                    for (int i = 1; i <= columns; i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    public String queryString(String sql, Object... params) {
        List<List<String>> rows = query(sql, params);
        if (rows.isEmpty()) {
            throw failure("no row from " + sql);
        }
        return rows.get(0).get(0);
    }

    /** {@code server_version_num}, e.g. 170006. */
    public int serverVersionNum() {
        return Integer.parseInt(queryString("SHOW server_version_num"));
    }

    /** {@code pg_control_system().system_identifier}, the value IDENTIFY_SYSTEM reports. */
    public String systemIdentifier() {
        return queryString("SELECT system_identifier::text FROM pg_control_system()");
    }

    /** The WAL position written so far: {@code pg_current_wal_lsn()} on a primary, the replay position on a standby. */
    public String currentWalLsn() {
        return queryString("SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
                + " ELSE pg_current_wal_lsn() END::text");
    }

    /** {@code pg_switch_wal()}: ends the current segment; returns the LSN of the switch record's end. */
    public String switchWal() {
        return queryString("SELECT pg_switch_wal()::text");
    }

    /**
     * {@code pg_walfile_name(lsn)} on the current timeline (primary only). Like PostgreSQL, an LSN
     * exactly on a segment boundary names the segment that ends there, not the one that starts there.
     */
    public String walFileName(String lsn) {
        return queryString("SELECT pg_walfile_name(?::pg_lsn)", lsn);
    }

    /** {@code wal_segment_size} in bytes. */
    public int walSegmentSize() {
        return Integer.parseInt(queryString("SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'"));
    }

    /** The server's own bytes of a WAL file in pg_wal ({@code pg_read_binary_file}), for byte-for-byte comparisons. */
    public byte[] readWalFile(String walFileName) {
        checkWalFileName(walFileName);
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement("SELECT pg_read_binary_file('pg_wal/' || ?)")) {
            s.setString(1, walFileName);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBytes(1);
            }
        } catch (SQLException e) {
            throw failure("cannot read pg_wal/" + walFileName + ": " + e.getMessage(), e);
        }
    }

    /**
     * Up to {@code length} bytes of a WAL file in pg_wal from {@code offset} (fewer where the file ends), read from
     * the data directory (the page cache holds what the server wrote, flushed or not): for comparisons of a range
     * after every fault, which through SQL would send each byte as two hex digits.
     */
    public byte[] readWalFile(String walFileName, long offset, int length) {
        checkWalFileName(walFileName);
        Path file = dataDir.resolve("pg_wal").resolve(walFileName);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(length);
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                // until the range is read or the file ends
            }
            return java.util.Arrays.copyOf(buf.array(), buf.position());
        } catch (IOException e) {
            throw failure("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void checkWalFileName(String walFileName) {
        if (!walFileName.matches("[0-9A-F]{24}|[0-9A-F]{8}\\.history")) {
            throw new IllegalArgumentException("WAL file name: " + walFileName);
        }
    }

    /** {@code pg_is_in_recovery()}. */
    public boolean isInRecovery() {
        return Boolean.parseBoolean(queryString("SELECT pg_is_in_recovery()::text"));
    }

    /** A login role with REPLICATION, its password stored with this cluster's password_encryption. */
    public void createReplicationUser(String user, String userPassword) {
        execute("CREATE ROLE " + quoteIdentifier(user) + " WITH LOGIN REPLICATION PASSWORD "
                + quoteLiteral(userPassword));
    }

    /** A physical slot that holds WAL from now on ({@code immediately_reserve}). */
    public void createPhysicalSlot(String slot) {
        query("SELECT pg_create_physical_replication_slot(?, true)::text", slot);
    }

    static String quoteIdentifier(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    static String quoteLiteral(String literal) {
        return "'" + literal.replace("'", "''") + "'";
    }

    // ---------------------------------------------------------------- standby

    /**
     * A hot standby of this primary from a base backup: pg_basebackup when the binaries have
     * it (or when asked), else the low-level backup API plus a file copy. It gets
     * {@code standby.signal}, {@code primary_conninfo} when streaming, {@code primary_slot_name},
     * and {@code restore_command} when given; then it is started.
     */
    public PgCluster createStandby(StandbyOptions options) {
        checkOpen();
        Builder b = builder().binaries(binaries).name(options.name()).auth(auth).password(password)
                .tls(tls != null).tlsRequired(tlsRequired);
        settings.forEach((k, v) -> {
            if (!k.equals("port") && !k.equals("unix_socket_directories") && !k.startsWith("ssl")) {
                b.setting(k, v);
            }
        });
        PgCluster standby = new PgCluster(b, newClusterDir(options.name()));
        ClusterRegistry.register(standby);
        try {
            if (options.slot() != null) {
                createPhysicalSlot(options.slot());
            }
            account.own(standby.dir);
            boolean useBasebackup = switch (options.backupMethod()) {
                case PG_BASEBACKUP -> true;
                case LOW_LEVEL_API -> false;
                case AUTO -> binaries.has("pg_basebackup");
            };
            if (useBasebackup) {
                baseBackupWithTool(standby.dataDir, options.slot());
            } else {
                baseBackupWithLowLevelApi(standby.dataDir);
            }
            if (options.streaming()) {
                standby.settings.put("primary_conninfo", "host=127.0.0.1 port=" + port + " user=" + superuser
                        + " password=" + password + " application_name=" + options.name()
                        + (tlsRequired ? " sslmode=require" : ""));
            }
            if (options.slot() != null) {
                standby.settings.put("primary_slot_name", options.slot());
            }
            if (options.restoreCommand() != null) {
                standby.settings.put("restore_command", options.restoreCommand());
            }
            standby.writeConfig();
            standby.writeHba(auth);
            standby.passwordStored = true; // the backup carries the primary's pg_authid
            Files.writeString(standby.dataDir.resolve("standby.signal"), "");
            account.own(standby.dir);
            standby.start(options.waitUntilReady());
            return standby;
        } catch (IOException e) {
            standby.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            standby.close();
            throw e;
        }
    }

    private void baseBackupWithTool(Path target, String slot) {
        if (!binaries.has("pg_basebackup")) {
            throw new PgClusterException(binaries.binDir() + " has no pg_basebackup; use BackupMethod.LOW_LEVEL_API");
        }
        List<String> cmd = new ArrayList<>(List.of(binaries.tool("pg_basebackup").toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(port), "-U", superuser, "-D", target.toString(), "-X", "stream",
                "-c", "fast", "--no-sync"));
        if (slot != null) {
            cmd.addAll(List.of("-S", slot));
        }
        account.run(cmd, Map.of("PGPASSWORD", password, "PGSSLMODE", tlsRequired ? "require" : "prefer"),
                TOOL_TIMEOUT);
    }

    private void baseBackupWithLowLevelApi(Path target) throws IOException {
        boolean v15 = serverVersionNum() >= 150000;
        // The backup must start and stop on the same session (non-exclusive backup).
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(v15 ? "SELECT pg_backup_start('walstream pgcluster', true)"
                    : "SELECT pg_start_backup('walstream pgcluster', true, false)");
            copyDataDirectory(target);
            try (ResultSet rs = s.executeQuery(v15 ? "SELECT labelfile, spcmapfile FROM pg_backup_stop(false)"
                    : "SELECT labelfile, spcmapfile FROM pg_stop_backup(false, false)")) {
                rs.next();
                Files.writeString(target.resolve("backup_label"), rs.getString(1));
                String spcmap = rs.getString(2);
                if (spcmap != null && !spcmap.isEmpty()) {
                    Files.writeString(target.resolve("tablespace_map"), spcmap);
                }
            }
        } catch (SQLException e) {
            throw failure("low-level base backup failed: " + e.getMessage(), e);
        }
    }

    private void copyDataDirectory(Path target) throws IOException {
        Files.walkFileTree(dataDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Path rel = dataDir.relativize(d);
                if (rel.getFileName() != null && rel.getFileName().toString().startsWith("pgsql_tmp")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(target.resolve(rel.toString()));
                Files.setPosixFilePermissions(target.resolve(rel.toString()), PosixFilePermissions.fromString("rwx------"));
                if (rel.getNameCount() == 1 && EMPTIED_IN_BACKUP.contains(rel.toString())) {
                    if (rel.toString().equals("pg_wal")) {
                        Files.createDirectories(target.resolve("pg_wal").resolve("archive_status"));
                    }
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (!OMITTED_FROM_BACKUP.contains(f.getFileName().toString())) {
                    try {
                        Files.copy(f, target.resolve(dataDir.relativize(f).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                    } catch (NoSuchFileException e) {
                        // dropped while we copied: WAL replay recreates what matters
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }

    /** Waits until this standby has replayed WAL up to {@code lsn}. */
    public void waitForReplay(String lsn, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitStatus(Set.of("ready", "standby"), logSize(), timeout);
        while (!Boolean.parseBoolean(queryString(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, false)::text", lsn))) {
            if (System.nanoTime() > deadline) {
                throw failure("replay did not reach " + lsn + " in " + timeout + " (replayed: "
                        + queryString("SELECT pg_last_wal_replay_lsn()::text") + ")");
            }
            sleep(20);
        }
    }

    /** Promotes this standby ({@code pg_promote}, waiting) into a primary on a new timeline. */
    public void promote() {
        if (!Boolean.parseBoolean(queryString("SELECT pg_promote(true, 60)::text"))) {
            throw failure("promotion did not finish in 60 s");
        }
    }

    // ---------------------------------------------------------------- accessors

    public String name() {
        return name;
    }

    public PgBinaries binaries() {
        return binaries;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String superuser() {
        return superuser;
    }

    public String password() {
        return password;
    }

    public AuthMethod auth() {
        return auth;
    }

    /** The generated CA, certificate and key, or null without TLS. */
    public TlsFiles tls() {
        return tls;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The directory holding the Unix socket. */
    public Path socketDir() {
        return dir;
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isRunning() {
        return running;
    }

    /** libpq conninfo without the password: {@code host=127.0.0.1 port=N user=postgres dbname=postgres}. */
    public String conninfo() {
        return "host=127.0.0.1 port=" + port + " user=" + superuser + " dbname=postgres";
    }

    /**
     * libpq conninfo for a replication client of this server: its superuser and password over loopback TCP,
     * without TLS, naming itself {@code applicationName} (what pg_stat_replication shows).
     */
    public String replicationConninfo(String applicationName) {
        return "host=127.0.0.1 sslmode=disable port=" + port + " user=" + superuser + " password=" + password
                + " application_name=" + applicationName;
    }

    /** The server log so far (kept after close). */
    public String readLog() {
        if (closed || !Files.exists(logFile)) {
            return keptLog;
        }
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(server log unreadable: " + e + ")";
        }
    }

    /** The last {@code lines} lines of the server log. */
    public String logTail(int lines) {
        List<String> all = readLog().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    @Override
    public String toString() {
        return "PgCluster[" + name + ", PostgreSQL " + binaries.version() + ", port " + port + ", " + dir + "]";
    }

    /** Every cluster this JVM created, closed ones included, in creation order. */
    public static List<PgCluster> created() {
        return ClusterRegistry.created();
    }

    /** How many clusters this JVM has created. */
    public static int createdCount() {
        return ClusterRegistry.created().size();
    }

    /** Closes every cluster this JVM created (the shutdown hook does this too). */
    public static void closeAll() {
        ClusterRegistry.closeAll();
    }

    /** PIDs of PostgreSQL processes still running from any cluster directory of this JVM. */
    public static List<Long> strayProcesses() {
        return ClusterRegistry.strayProcesses();
    }

    // ---------------------------------------------------------------- helpers

    private long logSize() {
        try {
            return Files.exists(logFile) ? Files.size(logFile) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private String logSince(long offset) {
        String all = readLog();
        byte[] bytes = all.getBytes(StandardCharsets.UTF_8);
        return offset >= bytes.length ? "" : new String(bytes, (int) offset, bytes.length - (int) offset,
                StandardCharsets.UTF_8);
    }

    private PgClusterException failure(String what) {
        return failure(what, null);
    }

    private PgClusterException failure(String what, Throwable cause) {
        return new PgClusterException(name + " (PostgreSQL " + binaries.version() + ", port " + port + "): " + what
                + "\n--- last lines of " + logFile + " ---\n" + logTail(30), cause);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgClusterException("interrupted", e);
        }
    }
}
