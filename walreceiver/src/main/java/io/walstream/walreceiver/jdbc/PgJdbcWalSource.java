package io.walstream.walreceiver.jdbc;

import io.netty.buffer.Unpooled;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgServerException;
import io.walstream.protocol.ServerVersion;
import io.walstream.protocol.message.backend.ErrorFields;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.walreceiver.ConnectionException;
import io.walstream.walreceiver.StreamControl;
import io.walstream.walreceiver.StreamEnd;
import io.walstream.walreceiver.UnsupportedServerException;
import io.walstream.walreceiver.WalSink;
import io.walstream.walreceiver.conn.ConnectionSettings;
import io.walstream.walreceiver.conn.HostPort;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.core.BaseConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.physical.ChainedPhysicalStreamBuilder;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The same {@link WalSink} fed through pgjdbc's replication API ({@link PGReplicationStream})
 * instead of walstream's Netty client, for applications already on pgjdbc and for benchmarks
 * that compare the two. Physical replication only, with pgjdbc's automatic flush turned off so
 * that the flush position the server sees is only ever what the sink reported.
 *
 * <pre>{@code
 * try (PgJdbcWalSource source = PgJdbcWalSource.open(settings, Duration.ofSeconds(10))) {
 *     StreamEnd end = source.stream("slot", start, sink);   // blocks this thread; stop() from another
 * }
 * }</pre>
 *
 * <p>What it cannot do, because pgjdbc (42.7) does not expose it:
 * <ul>
 *   <li><b>Timeline switches.</b> pgjdbc skips the server's CopyDone and next-timeline row; a
 *       stream on a timeline that ends just stops, and {@link #stream} reports it as
 *       {@link StreamEnd.ServerShutdown} with no tag. Use {@link io.walstream.walreceiver.ReplicationConnection}
 *       to follow a promotion.</li>
 *   <li><b>The write position.</b> pgjdbc reports what it <em>received</em> as the write
 *       position; only flush and apply come from the sink.</li>
 *   <li><b>Header fields.</b> pgjdbc returns only the WAL bytes. The header is read from the
 *       message array pgjdbc keeps behind the buffer, and checked against
 *       {@link PGReplicationStream#getLastReceiveLSN()}; should a pgjdbc version stop keeping it,
 *       {@code dataStart} is still exact (received end minus length) but {@code walEnd} becomes
 *       the received end and {@code sendTime} 0.</li>
 *   <li><b>Connection options</b> only as pgjdbc supports them (its TLS modes, key formats and
 *       authentication methods; one password for all hosts; no {@code hostaddr}).</li>
 *   <li><b>Idle latency.</b> pgjdbc polls the socket for new data at most once per status
 *       interval when nothing is buffered, so a quiet stream sees new WAL up to that late.</li>
 * </ul>
 * Status timestamps: pgjdbc 42.7.14 uses {@code currentTimeMillis()} against 2000-01-01 (correct);
 * some clients (r2dbc-postgresql) derive them from {@code nanoTime()}, which has no epoch.
 *
 * <p>Not thread-safe except {@link #stop()} and {@link #resumeReading()}.
 */
public final class PgJdbcWalSource implements StreamControl, AutoCloseable {

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Connection connection;
    private final PGConnection pg;
    private final HostPort server;
    private final Duration statusInterval;
    private volatile boolean stopRequested;
    private volatile boolean statusRequested;
    /** Counts resumeReading() calls, so that one made while the sink is still in onWal is not lost. */
    private final AtomicLong resumes = new AtomicLong();
    private volatile long receivedLsn;

    private PgJdbcWalSource(Connection connection, HostPort server, Duration statusInterval) throws SQLException {
        this.connection = connection;
        this.pg = connection.unwrap(PGConnection.class);
        this.server = server;
        this.statusInterval = statusInterval;
    }

    /** Opens a physical replication connection with pgjdbc, from libpq-style settings. */
    public static PgJdbcWalSource open(ConnectionSettings settings, Duration statusInterval) {
        return open(jdbcUrl(settings, settings.dbname()), jdbcProperties(settings), statusInterval);
    }

    /** The pgjdbc URL for these settings' hosts and {@code database} (also for plain SQL connections). */
    public static String jdbcUrl(ConnectionSettings settings, String database) {
        StringBuilder url = new StringBuilder("jdbc:postgresql://");
        for (int i = 0; i < settings.hosts().size(); i++) {
            HostPort hp = settings.hosts().get(i);
            if (hp.isUnixSocket()) {
                throw new ConnectionException("Unix-domain sockets are not supported (host=" + hp.host() + ")");
            }
            String host = hp.connectAddress();
            url.append(i > 0 ? "," : "").append(host.indexOf(':') >= 0 ? "[" + host + "]" : host)
                    .append(':').append(hp.port());
        }
        url.append('/').append(database);
        return url.toString();
    }

    /** pgjdbc properties for these settings: user, password, TLS, application name, timeouts, options. */
    public static Properties jdbcProperties(ConnectionSettings settings) {
        Properties p = new Properties();
        PGProperty.USER.set(p, settings.user());
        settings.passwordFor(settings.hosts().get(0)).ifPresent(pw -> PGProperty.PASSWORD.set(p, pw));
        PGProperty.APPLICATION_NAME.set(p, settings.applicationName());
        PGProperty.SSL_MODE.set(p, settings.sslMode().libpqName());
        if (settings.sslRootCert() != null) {
            PGProperty.SSL_ROOT_CERT.set(p, settings.sslRootCert().toString());
        }
        if (settings.sslCert() != null) {
            PGProperty.SSL_CERT.set(p, settings.sslCert().toString());
        }
        if (settings.sslKey() != null) {
            PGProperty.SSL_KEY.set(p, settings.sslKey().toString());
        }
        PGProperty.CHANNEL_BINDING.set(p, settings.channelBinding().libpqName());
        PGProperty.CONNECT_TIMEOUT.set(p, (int) settings.connectTimeout().toSeconds());
        String options = settings.options().get("options");
        if (options != null) {
            PGProperty.OPTIONS.set(p, options);
        }
        return p;
    }

    /**
     * Opens a physical replication connection from a pgjdbc URL and properties; this adds
     * {@code replication=true}, {@code preferQueryMode=simple} and {@code assumeMinServerVersion}
     * (without which pgjdbc sends no replication startup parameter).
     */
    public static PgJdbcWalSource open(String jdbcUrl, Properties properties, Duration statusInterval) {
        Objects.requireNonNull(statusInterval, "statusInterval");
        Properties p = new Properties();
        p.putAll(properties);
        PGProperty.REPLICATION.set(p, "true");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "9.4");
        Connection c;
        try {
            c = new Driver().connect(jdbcUrl, p);
        } catch (SQLException e) {
            throw translate(e, "could not connect with pgjdbc to " + jdbcUrl);
        }
        if (c == null) {
            throw new ConnectionException("not a pgjdbc URL: " + jdbcUrl);
        }
        try {
            BaseConnection base = c.unwrap(BaseConnection.class);
            HostPort server = new HostPort(base.getQueryExecutor().getHostSpec().getHost(),
                    base.getQueryExecutor().getHostSpec().getPort());
            String version = c.unwrap(PGConnection.class).getParameterStatus("server_version");
            if (version != null) {
                UnsupportedServerException.check(server, ServerVersion.parse(version));
            }
            return new PgJdbcWalSource(c, server, statusInterval);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e instanceof SQLException s ? translate(s, "pgjdbc connection to " + jdbcUrl) : (RuntimeException) e;
        }
    }

    /** The server pgjdbc connected to. */
    public HostPort server() {
        return server;
    }

    /** The underlying pgjdbc connection (replication mode: simple queries and replication commands only). */
    public Connection connection() {
        return connection;
    }

    /** The end of the last WAL byte received. */
    public long receivedLsn() {
        return receivedLsn;
    }

    /**
     * START_REPLICATION [SLOT slot] PHYSICAL start on the server's current timeline, feeding
     * {@code sink} on this thread until {@link #stop()} or the server ends the stream. When the
     * sink returns false, reading pauses (status updates go on, so the server does not time out)
     * until {@link #resumeReading()}.
     */
    public StreamEnd stream(String slot, Lsn start, WalSink sink) {
        stopRequested = false;
        boolean paused = false;
        long pausedAtResume = 0;
        long intervalNanos = statusInterval.isZero() ? TimeUnit.SECONDS.toNanos(10) : statusInterval.toNanos();
        PGReplicationStream s;
        try {
            ChainedPhysicalStreamBuilder builder = pg.getReplicationAPI().replicationStream().physical()
                    .withStartPosition(LogSequenceNumber.valueOf(start.value()))
                    .withStatusInterval((int) Math.min(Integer.MAX_VALUE, statusInterval.toMillis()), TimeUnit.MILLISECONDS)
                    // on: keepalives move "flushed" ahead of what the sink made durable (pgjdbc#2941)
                    .withAutomaticFlush(false);
            if (slot != null) {
                builder = builder.withSlotName(slot);
            }
            s = builder.start();
        } catch (SQLException e) {
            throw translate(e, "START_REPLICATION at " + start + " on " + server);
        }
        long reportedFlush = -1;
        long reportedApply = -1;
        long lastForced = System.nanoTime();
        boolean unannounced = false; // WAL given to the sink since its last onReadComplete
        try {
            while (!stopRequested) {
                // pgjdbc sends these with its next status update; only new values cost an LSN object
                long flush = sink.flushedLsn();
                if (flush != reportedFlush) {
                    s.setFlushedLSN(LogSequenceNumber.valueOf(flush));
                    reportedFlush = flush;
                }
                long apply = Math.min(sink.appliedLsn(), flush);
                if (apply != reportedApply) {
                    s.setAppliedLSN(LogSequenceNumber.valueOf(apply));
                    reportedApply = apply;
                }
                if (statusRequested) {
                    statusRequested = false;
                    s.forceUpdateStatus();
                    lastForced = System.nanoTime();
                }
                if (paused && resumes.get() != pausedAtResume) {
                    paused = false;
                }
                if (paused) {
                    // pgjdbc reports only from inside read(): keep the server from timing us out
                    if (System.nanoTime() - lastForced >= intervalNanos) {
                        s.forceUpdateStatus();
                        lastForced = System.nanoTime();
                    }
                    LockSupport.parkNanos(IDLE_PARK_NANOS);
                    continue;
                }
                ByteBuffer wal = s.readPending();
                if (wal == null && unannounced) {
                    unannounced = false;
                    if (sink.onReadComplete()) { // nothing more buffered: the end of a batch
                        statusRequested = true;
                    }
                    continue; // its flush is reported at the top of the loop
                }
                if (wal == null) {
                    if (s.isClosed()) {
                        // server CopyDone/CommandComplete: a shutdown, or the end of a timeline pgjdbc hides
                        return new StreamEnd.ServerShutdown(null);
                    }
                    LockSupport.parkNanos(IDLE_PARK_NANOS);
                    continue;
                }
                XLogData x = toXLogData(wal, s.getLastReceiveLSN().asLong());
                receivedLsn = x.dataEnd();
                long resumesBefore = resumes.get();
                unannounced = true;
                if (!sink.onWal(x)) {
                    paused = true;
                    pausedAtResume = resumesBefore;
                    lastForced = System.nanoTime();
                }
            }
            s.setFlushedLSN(LogSequenceNumber.valueOf(Math.min(sink.flushedLsn(), receivedLsn)));
            s.forceUpdateStatus();
            s.close(); // CopyDone, then waits for the server to finish the command
            return new StreamEnd.StoppedByClient();
        } catch (SQLException e) {
            throw translate(e, "streaming from " + server + " at " + new Lsn(receivedLsn));
        }
    }

    /**
     * Wraps pgjdbc's buffer without copying. pgjdbc hands out a slice of the whole CopyData
     * array ('w', dataStart, walEnd, sendTime, WAL); the header is used when it agrees with the
     * received position pgjdbc computed, else only what pgjdbc tells is used.
     */
    static XLogData toXLogData(ByteBuffer wal, long receivedEnd) {
        int length = wal.remaining();
        long dataStart = receivedEnd - length;
        long walEnd = receivedEnd;
        long sendTime = 0;
        if (wal.hasArray()) {
            int header = wal.arrayOffset() + wal.position() - XLogData.HEADER_LENGTH;
            byte[] a = wal.array();
            if (header >= 0 && a[header] == 'w' && (long) LONG_BE.get(a, header + 1) == dataStart) {
                walEnd = (long) LONG_BE.get(a, header + 9);
                sendTime = (long) LONG_BE.get(a, header + 17);
            }
        }
        return new XLogData(dataStart, walEnd, sendTime, Unpooled.wrappedBuffer(wal));
    }

    /** Starts reading again after the sink returned false. Any thread. */
    @Override
    public void resumeReading() {
        resumes.incrementAndGet();
    }

    /** Ends {@link #stream} with {@link StreamEnd.StoppedByClient} (after a last status update). Any thread. */
    @Override
    public void stop() {
        stopRequested = true;
    }

    /** The next pass of {@link #stream}'s loop sends a status update with the sink's positions. Any thread. */
    @Override
    public void sendStatusNow() {
        statusRequested = true;
    }

    @Override
    public void close() {
        stopRequested = true;
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }

    /** A server error becomes the same typed {@link PgServerException} the Netty client raises. */
    static RuntimeException translate(SQLException e, String what) {
        ServerErrorMessage m = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        if (m != null) {
            Map<Character, String> fields = new LinkedHashMap<>();
            put(fields, 'S', m.getSeverity());
            put(fields, 'C', m.getSQLState());
            put(fields, 'M', m.getMessage());
            put(fields, 'D', m.getDetail());
            put(fields, 'H', m.getHint());
            put(fields, 'W', m.getWhere());
            return PgServerException.of(new ErrorFields(fields));
        }
        return new ConnectionException(what + ": " + e.getMessage()
                + (e.getSQLState() != null ? " (SQLSTATE " + e.getSQLState() + ")" : ""), e);
    }

    private static void put(Map<Character, String> fields, char code, String value) {
        if (value != null) {
            fields.put(code, value);
        }
    }
}
