package io.walstream.pgcluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
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
 *
 * <p>This class holds the cluster's identity and state (port, running, closed) and the order of
 * things (initdb, first start, stop, close); the work is done by {@link ServerProcess} (programs
 * and processes), {@link ConfigFiles} (pgcluster.conf, pg_hba.conf), {@link ServerReadiness}
 * (waits), {@link SuperuserSql} (SQL), {@link StandbyCreation} and {@link BaseBackup} (standbys),
 * and {@link ServerLog}.
 */
public final class PgCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PgCluster.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final String name;
    private final PgBinaries binaries;
    private final Path dir;
    private final Path dataDir;
    private final String superuser = "postgres";
    private final String password;
    private final AuthMethod auth;
    private final TlsFiles tls;
    private final boolean tlsRequired;
    private final ServerAccount account;
    private final ConfigFiles config;
    private final ServerLog serverLog;
    private final ServerProcess process;
    private final ServerReadiness readiness;
    private final SuperuserSql superuserSql;
    private int port;
    /** False until the superuser's password is stored with this cluster's password_encryption. */
    private boolean passwordStored;
    private volatile boolean running;
    private volatile boolean closed;

    private PgCluster(Builder b, Path dir) {
        this.name = b.name;
        this.binaries = b.binaries != null ? b.binaries : PgBinaries.resolve(b.major);
        this.dir = dir;
        this.dataDir = dir.resolve("data");
        this.password = b.password != null ? b.password : randomPassword();
        this.auth = b.auth;
        this.tlsRequired = b.tlsRequired;
        this.tls = b.tls || b.tlsRequired ? TlsFiles.generate(dir.resolve("tls")) : null;
        this.account = ServerAccount.get();
        this.port = FreePort.loopback();
        Map<String, String> settings = ConfigFiles.defaults(port, dir, auth, tls);
        settings.putAll(b.settings);
        this.config = new ConfigFiles(dataDir, account, tlsRequired, settings);
        this.serverLog = new ServerLog(dir.resolve("server.log"));
        this.process = new ServerProcess(binaries, account, dir, dataDir, serverLog.file(), b.walSegmentMegabytes);
        this.readiness = new ServerReadiness(this, process, serverLog);
        this.superuserSql = new SuperuserSql(this);
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
        private int walSegmentMegabytes;

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

        /**
         * WAL segments of {@code megabytes} (a power of two, 1 to 1024; initdb's {@code --wal-segsize}) instead of
         * 16 MB: more segment switches for the same WAL.
         */
        public Builder walSegmentSize(int megabytes) {
            this.walSegmentMegabytes = megabytes;
            return this;
        }

        /** Runs initdb; the server is not started. */
        public PgCluster create() {
            PgCluster cluster = registered(this);
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

    /** A new cluster in a new directory, known to the registry (so that it is closed at exit); nothing runs yet. */
    static PgCluster registered(Builder b) {
        PgCluster cluster = new PgCluster(b, newClusterDir(b.name));
        ClusterRegistry.register(cluster);
        return cluster;
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
        try {
            process.initdb(superuser, password);
            config.includeSettingsFile();
            config.writeSettings();
            // Trust until the first start has stored the password with this cluster's password_encryption
            // (initdb of 13 stores md5, which scram-sha-256 cannot check).
            config.writeHba(AuthMethod.TRUST);
        } catch (IOException e) {
            throw new UncheckedIOException("initdb of " + name, e);
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
            process.removeStaleLockFiles();
            long logStart = serverLog.size();
            process.start();
            running = true;
            try {
                readiness.awaitStatus(waitUntilReady || !passwordStored ? Set.of("ready", "standby")
                        : Set.of("starting", "ready", "standby"), logStart, START_TIMEOUT);
                if (!passwordStored) {
                    execute("ALTER ROLE " + SuperuserSql.quoteIdentifier(superuser) + " PASSWORD "
                            + SuperuserSql.quoteLiteral(password));
                    config.writeHba(auth);
                    reloadFiles();
                    passwordStored = true;
                }
                return this;
            } catch (PgClusterException e) {
                running = false;
                process.killAll();
                if (attempt < 5 && serverLog.since(logStart).contains("could not bind")) {
                    // Another process took the port between our check and the server's bind.
                    port = FreePort.loopback();
                    config.put("port", Integer.toString(port));
                    config.writeSettings();
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
            process.stop(mode);
        } finally {
            running = false;
            readiness.awaitNoProcesses(Duration.ofSeconds(30));
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
        process.killAll();
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
        config.putAll(changed);
        config.writeSettings();
        if (!running) {
            return List.of();
        }
        reloadFiles();
        return query("SELECT name FROM pg_settings WHERE pending_restart ORDER BY name").stream()
                .map(row -> row.get(0)).toList();
    }

    /** SIGHUP through pg_ctl, then waits until the postmaster has reread its files. */
    private void reloadFiles() {
        long before = serverLog.size();
        process.reload();
        readiness.awaitReload(before);
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
            process.killAll();
            serverLog.keep(name, dir);
        } finally {
            closed = true;
            running = false;
            Directories.deleteRecursively(dir);
        }
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cluster " + name + " is closed");
        }
    }

    // ---------------------------------------------------------------- processes

    /** The postmaster's PID from postmaster.pid, or null when there is no such file. */
    public Long postmasterPid() {
        return process.postmasterPid();
    }

    /** Live processes (postmaster and children) of this cluster. */
    public List<Long> processes() {
        return process.processes();
    }

    // ---------------------------------------------------------------- SQL

    /** {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE}. */
    public String jdbcUrl(String database) {
        return superuserSql.jdbcUrl(database);
    }

    /** A superuser connection to database {@code postgres}. */
    public Connection connect() {
        return connect(new Properties());
    }

    /** A superuser connection with extra pgjdbc properties (they may override user and password). */
    public Connection connect(Properties extra) {
        return superuserSql.connect(extra);
    }

    /** A physical replication connection ({@code replication=true}, simple query protocol) as the superuser. */
    public Connection replicationConnection() {
        return superuserSql.replicationConnection();
    }

    /** Runs statements, each in its own autocommit transaction. */
    public void execute(String... sql) {
        superuserSql.execute(sql);
    }

    /** Rows of a query as text (SQL NULL as Java null); parameters are bound as text. */
    public List<List<String>> query(String sql, Object... params) {
        return superuserSql.query(sql, params);
    }

    /** Rows of a query as text on a connection the caller holds (SQL NULL as Java null). */
    public static List<List<String>> query(Connection c, String sql, Object... params) throws SQLException {
        return SuperuserSql.query(c, sql, params);
    }

    public String queryString(String sql, Object... params) {
        return superuserSql.queryString(sql, params);
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
        return superuserSql.readServerFile("pg_wal/" + walFileName);
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
        execute("CREATE ROLE " + SuperuserSql.quoteIdentifier(user) + " WITH LOGIN REPLICATION PASSWORD "
                + SuperuserSql.quoteLiteral(userPassword));
    }

    /** A physical slot that holds WAL from now on ({@code immediately_reserve}). */
    public void createPhysicalSlot(String slot) {
        query("SELECT pg_create_physical_replication_slot(?, true)::text", slot);
    }

    // ---------------------------------------------------------------- standby

    /**
     * A hot standby of this primary from a base backup: pg_basebackup when the binaries have
     * it (or when asked), else the low-level backup API plus a file copy. It gets
     * {@code standby.signal}, {@code primary_conninfo} when streaming, {@code primary_slot_name},
     * and {@code restore_command} when given; then it is started.
     */
    public PgCluster createStandby(StandbyOptions options) {
        return StandbyCreation.create(this, options);
    }

    /** Waits until this standby has replayed WAL up to {@code lsn}. */
    public void waitForReplay(String lsn, Duration timeout) {
        readiness.awaitReplay(lsn, timeout);
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
        return serverLog.file();
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
        return serverLog.read();
    }

    /** The last {@code lines} lines of the server log. */
    public String logTail(int lines) {
        return serverLog.tail(lines);
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

    // ---------------------------------------------------------------- for the classes that do the work

    boolean tlsRequired() {
        return tlsRequired;
    }

    ServerAccount account() {
        return account;
    }

    ConfigFiles config() {
        return config;
    }

    /** The directory holding everything of this cluster (data, log, socket, TLS files). */
    Path clusterDir() {
        return dir;
    }

    /** A standby's base backup carries the primary's pg_authid: its first start need not store the password. */
    void passwordStoredByBackup() {
        passwordStored = true;
    }

    PgClusterException failure(String what) {
        return failure(what, null);
    }

    /** A failure of this cluster, naming it and ending with the last lines of its server log. */
    PgClusterException failure(String what, Throwable cause) {
        return new PgClusterException(name + " (PostgreSQL " + binaries.version() + ", port " + port + "): " + what
                + "\n--- last lines of " + serverLog.file() + " ---\n" + logTail(30), cause);
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
}
