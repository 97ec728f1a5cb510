package io.walstream.walreceiver;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgServerException;
import io.walstream.protocol.ServerVersion;
import io.walstream.protocol.message.frontend.FrontendMessageEncoder;
import io.walstream.protocol.replication.CreatedSlot;
import io.walstream.protocol.replication.IdentifySystem;
import io.walstream.protocol.replication.QueryResult;
import io.walstream.protocol.replication.ReplicationCommands;
import io.walstream.protocol.replication.ReplicationSlotInfo;
import io.walstream.protocol.replication.TimelineHistoryFile;
import io.walstream.walreceiver.conn.ConnectionSettings;
import io.walstream.walreceiver.conn.HostPort;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;

/**
 * A physical replication connection ({@code replication=true}) to a PostgreSQL primary or
 * standby, over Netty: the replication commands with typed results, and WAL streaming into a
 * {@link WalSink}. Methods block the calling thread; the protocol runs on an I/O thread.
 *
 * <pre>{@code
 * try (ReplicationConnection c = ReplicationConnection.open(ConnectionSettings.resolve("host=db user=rep"))) {
 *     IdentifySystem id = c.identifySystem();
 *     StreamEnd end = c.streamFollowingTimelines("slot", id.xlogPos(), id.timeline(), sink, stream -> { });
 * }
 * }</pre>
 */
public final class ReplicationConnection implements AutoCloseable {

    private static EventLoopGroup sharedGroup;

    private final Channel channel;
    private final ProtocolHandler handler;
    private final Options options;
    private final HostPort server;

    /**
     * Client settings.
     *
     * @param statusInterval how often a status update is sent while streaming (pg_receivewal -s; 0 = only when asked)
     * @param commandTimeout how long a replication command may take before the connection is given up
     * @param clock          wall clock for status-update timestamps
     * @param group          the Netty event loops; null for a shared daemon group
     * @param listener       sees every protocol event ({@link ReplicationEventListener#NONE} for none)
     */
    public record Options(Duration statusInterval, Duration commandTimeout, Clock clock, EventLoopGroup group,
                          ReplicationEventListener listener) {

        public Options {
            Objects.requireNonNull(statusInterval, "statusInterval");
            Objects.requireNonNull(commandTimeout, "commandTimeout");
            Objects.requireNonNull(clock, "clock");
            listener = listener != null ? listener : ReplicationEventListener.NONE;
        }

        /** Options without a listener. */
        public Options(Duration statusInterval, Duration commandTimeout, Clock clock, EventLoopGroup group) {
            this(statusInterval, commandTimeout, clock, group, ReplicationEventListener.NONE);
        }

        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofMinutes(10), Clock.systemUTC(), null);
        }

        public Options withStatusInterval(Duration interval) {
            return new Options(interval, commandTimeout, clock, group, listener);
        }

        public Options withCommandTimeout(Duration timeout) {
            return new Options(statusInterval, timeout, clock, group, listener);
        }

        public Options withClock(Clock wallClock) {
            return new Options(statusInterval, commandTimeout, wallClock, group, listener);
        }

        public Options withGroup(EventLoopGroup eventLoops) {
            return new Options(statusInterval, commandTimeout, clock, eventLoops, listener);
        }

        public Options withListener(ReplicationEventListener eventListener) {
            return new Options(statusInterval, commandTimeout, clock, group, eventListener);
        }
    }

    /**
     * Builds and opens a connection:
     * <pre>{@code
     * ReplicationConnection c = ReplicationConnection.builder()
     *         .conninfo("host=db user=rep sslmode=verify-full")
     *         .statusInterval(Duration.ofSeconds(1))
     *         .listener(myListener)
     *         .open();
     * }</pre>
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings (a conninfo string, resolved like libpq, or {@link ConnectionSettings}) plus {@link Options}. */
    public static final class Builder {

        private ConnectionSettings settings;
        private String conninfo;
        private Options options = Options.defaults();

        private Builder() {
        }

        /** A libpq conninfo string or URI, resolved with PG* variables and ~/.pgpass when {@link #open()} runs. */
        public Builder conninfo(String conninfoOrUri) {
            this.conninfo = Objects.requireNonNull(conninfoOrUri, "conninfo");
            this.settings = null;
            return this;
        }

        /** Settings already resolved; replaces a {@link #conninfo}. */
        public Builder settings(ConnectionSettings resolved) {
            this.settings = Objects.requireNonNull(resolved, "settings");
            this.conninfo = null;
            return this;
        }

        /** All options at once; the other option setters change single ones. */
        public Builder options(Options all) {
            this.options = Objects.requireNonNull(all, "options");
            return this;
        }

        public Builder statusInterval(Duration interval) {
            options = options.withStatusInterval(interval);
            return this;
        }

        public Builder commandTimeout(Duration timeout) {
            options = options.withCommandTimeout(timeout);
            return this;
        }

        public Builder clock(Clock wallClock) {
            options = options.withClock(wallClock);
            return this;
        }

        public Builder eventLoopGroup(EventLoopGroup group) {
            options = options.withGroup(group);
            return this;
        }

        public Builder listener(ReplicationEventListener listener) {
            options = options.withListener(listener);
            return this;
        }

        /** Connects (blocking) to the first host that accepts. */
        public ReplicationConnection open() {
            ConnectionSettings resolved = settings != null ? settings
                    : ConnectionSettings.resolve(conninfo, Map.of());
            return ReplicationConnection.open(resolved, options);
        }
    }

    private ReplicationConnection(Channel channel, ProtocolHandler handler, Options options, HostPort server) {
        this.channel = channel;
        this.handler = handler;
        this.options = options;
        this.server = server;
    }

    public static ReplicationConnection open(ConnectionSettings settings) {
        return open(settings, Options.defaults());
    }

    /** Connects to the first of the settings' hosts that accepts, like libpq. */
    public static ReplicationConnection open(ConnectionSettings settings, Options options) {
        RuntimeException last = null;
        for (HostPort hp : settings.hosts()) {
            // libpq: allow tries without TLS first; prefer and stronger send SSLRequest; disable never does.
            List<Boolean> attempts = switch (settings.sslMode()) {
                case DISABLE -> List.of(false);
                case ALLOW -> List.of(false, true);
                default -> List.of(true);
            };
            for (boolean tls : attempts) {
                try {
                    return connect(settings, hp, tls, options);
                } catch (PgServerException e) {
                    last = e;
                    if (!"28000".equals(e.sqlState())) {
                        break; // wrong password and the like: TLS would not change it
                    }
                } catch (RuntimeException e) {
                    last = e;
                }
            }
        }
        throw last != null ? last : new ConnectionException("no host to connect to");
    }

    private static ReplicationConnection connect(ConnectionSettings settings, HostPort hp, boolean tls,
            Options options) {
        if (hp.isUnixSocket()) {
            throw new ConnectionException("Unix-domain sockets are not supported (host=" + hp.host()
                    + "); use a TCP host such as 127.0.0.1");
        }
        ProtocolHandler.Login login = new ProtocolHandler.Login(settings.user(), settings.passwordFor(hp).orElse(null),
                settings.startupParameters(), settings.channelBinding());
        ProtocolHandler handler = new ProtocolHandler(login, options.clock(), options.listener());
        Duration timeout = settings.connectTimeout() == null || settings.connectTimeout().isZero()
                ? Duration.ofSeconds(60) : settings.connectTimeout();
        Bootstrap bootstrap = new Bootstrap()
                .group(options.group() != null ? options.group() : sharedGroup())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                // Reads of up to 256 kB, not Netty's 64 kB: a walsender's XLogData carries up to 128 kB of WAL, so
                // at 64 kB most messages spanned reads and were copied into a cumulation buffer, and a catch-up made
                // four times the allocations (the allocator was the JIT's largest C2 job in a new receiver).
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 64 * 1024, 256 * 1024))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("encoder", new FrontendMessageEncoder());
                        ch.pipeline().addLast("negotiator", new TlsNegotiator(tls, settings.sslMode(),
                                settings.sslRootCert(), hp.host(), hp.port(), handler));
                        ch.pipeline().addLast(Authenticator.HANDLER, new Authenticator(login));
                        ch.pipeline().addLast(TlsNegotiator.HANDLER, handler);
                    }
                });
        ChannelFuture connected = bootstrap.connect(hp.connectAddress(), hp.port());
        if (!connected.awaitUninterruptibly(timeout.toMillis() + 1000) || !connected.isSuccess()) {
            connected.channel().close();
            Throwable cause = connected.cause();
            throw new ConnectionException("could not connect to " + hp + ": " + connectFailure(cause, timeout), cause);
        }
        try {
            await(handler.ready, timeout, "startup and authentication with " + hp, () -> { });
            String version = handler.serverParameters.get("server_version");
            if (version != null) {
                // Before any command: an old server's failures later would not say why.
                UnsupportedServerException.check(hp, ServerVersion.parse(version));
            }
        } catch (RuntimeException e) {
            connected.channel().close();
            throw e;
        }
        return new ReplicationConnection(connected.channel(), handler, options, hp);
    }

    /** What went wrong and what to check, in a few words. */
    private static String connectFailure(Throwable cause, Duration timeout) {
        if (cause == null || cause instanceof io.netty.channel.ConnectTimeoutException) {
            return "timed out after " + timeout + " (check the host, port and firewall, or raise connect_timeout)";
        }
        if (cause instanceof java.net.UnknownHostException) {
            return "unknown host (check the host name, or give hostaddr=)";
        }
        if (cause instanceof java.net.ConnectException) {
            return "connection refused (is PostgreSQL running there and listening on TCP,"
                    + " see listen_addresses and port?)";
        }
        return String.valueOf(cause.getMessage());
    }

    private static synchronized EventLoopGroup sharedGroup() {
        if (sharedGroup == null) {
            sharedGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("walstream-io", true),
                    NioIoHandler.newFactory());
        }
        return sharedGroup;
    }

    /**
     * Stops the I/O thread that connections without a group of their own share, closing what is still open on it,
     * and waits up to {@code timeout} for it to end; the next connection starts a new one. A process calls it before
     * it exits: HotSpot's exit waits up to 0.3 s for every thread still in native code, and an idle event loop sits
     * in epoll_wait (a receiver run to {@code -E} exited 0.33 s after its last write without this).
     *
     * @return whether the thread ended within {@code timeout} (true when there was none)
     */
    public static boolean stopSharedIoThread(Duration timeout) {
        EventLoopGroup group;
        synchronized (ReplicationConnection.class) {
            group = sharedGroup;
            sharedGroup = null;
        }
        if (group == null) {
            return true;
        }
        group.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return group.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static <T> T await(CompletableFuture<T> future, Duration timeout, String what, Runnable onTimeout) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted during " + what, e);
        } catch (ExecutionException e) {
            throw ReplicationStream.rethrow(e.getCause());
        } catch (TimeoutException e) {
            onTimeout.run();
            throw new ConnectionException(what + " took longer than " + timeout);
        }
    }

    // ------------------------------------------------------------------ commands

    /** The host this connection went to. */
    public HostPort server() {
        return server;
    }

    /**
     * How this connection is encrypted: protocol, cipher suite and the TLS implementation ({@code OpenSSL}: Netty's
     * BoringSSL, chosen whenever its native library loads; else {@code JDK}), or empty on plain TCP.
     */
    public Optional<String> tls() {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null) {
            return Optional.empty();
        }
        SSLSession session = tls.engine().getSession();
        String implementation = TlsNegotiator.boringSsl(tls) ? "OpenSSL" : "JDK";
        return Optional.of(session.getProtocol() + " " + session.getCipherSuite() + ", " + implementation);
    }

    /** ParameterStatus values the server reported (server_version, integer_datetimes, ...). */
    public Map<String, String> serverParameters() {
        return Map.copyOf(handler.serverParameters);
    }

    /** The server's version, from its {@code server_version} parameter. */
    public ServerVersion serverVersion() {
        String v = handler.serverParameters.get("server_version");
        if (v == null) {
            throw new ConnectionException("the server did not report server_version");
        }
        return ServerVersion.parse(v);
    }

    /** Runs one replication command (simple query protocol) and returns its rows. */
    public QueryResult execute(String command) {
        CompletableFuture<QueryResult> result = new CompletableFuture<>();
        channel.eventLoop().execute(() -> handler.query(command, result));
        // A command that does not answer leaves the protocol state unknown: give the connection up.
        return await(result, options.commandTimeout(), command, channel::close);
    }

    public IdentifySystem identifySystem() {
        return IdentifySystem.from(execute(ReplicationCommands.identifySystem()));
    }

    /** {@code SHOW name}: the setting as text, e.g. {@code show("wal_segment_size")} is "16MB". */
    public String show(String name) {
        QueryResult r = execute(ReplicationCommands.show(name));
        return r.text(r.singleRow(), name);
    }

    public TimelineHistoryFile timelineHistory(int timeline) {
        return TimelineHistoryFile.from(execute(ReplicationCommands.timelineHistory(timeline)));
    }

    /** CREATE_REPLICATION_SLOT ... PHYSICAL, in the syntax the server's version takes. */
    public CreatedSlot createPhysicalSlot(String slot, boolean temporary, boolean reserveWal) {
        return CreatedSlot.from(execute(ReplicationCommands.createPhysicalReplicationSlot(slot, temporary, reserveWal,
                serverVersion().versionNum())));
    }

    /** READ_REPLICATION_SLOT (PostgreSQL 15+); empty when the slot does not exist. */
    public Optional<ReplicationSlotInfo> readReplicationSlot(String slot) {
        return ReplicationSlotInfo.from(execute(ReplicationCommands.readReplicationSlot(slot)));
    }

    public void dropReplicationSlot(String slot, boolean waitUntilInactive) {
        execute(ReplicationCommands.dropReplicationSlot(slot, waitUntilInactive));
    }

    // ------------------------------------------------------------------ streaming

    /**
     * START_REPLICATION [SLOT slot] PHYSICAL start TIMELINE timeline. WAL goes to {@code sink}
     * until the returned stream ends; one stream at a time.
     */
    public ReplicationStream startReplication(String slot, Lsn start, int timeline, WalSink sink) {
        ReplicationStream stream = new ReplicationStream(channel, handler, sink, start.value(), timeline,
                options.statusInterval());
        String command = ReplicationCommands.startPhysicalReplication(slot, start, timeline);
        channel.eventLoop().execute(() -> handler.startStream(stream, command));
        return stream;
    }

    /**
     * Streams from {@code start} on {@code timeline} and follows every timeline switch: at the
     * end of a timeline it fetches the next timeline's history, tells the sink, and starts
     * again where the sink says. Returns when the client stops or the server shuts down.
     * {@code onStream} sees each new stream (to stop it or resume reading).
     */
    public StreamEnd streamFollowingTimelines(String slot, Lsn start, int timeline, WalSink sink,
            Consumer<ReplicationStream> onStream) {
        Lsn position = start;
        int tli = timeline;
        while (true) {
            ReplicationStream stream = startReplication(slot, position, tli, sink);
            onStream.accept(stream);
            StreamEnd end = stream.await();
            if (!(end instanceof StreamEnd.EndOfTimeline eot)) {
                return end;
            }
            int next = eot.next().timeline();
            if (Integer.compareUnsigned(next, tli) <= 0) {
                throw new ConnectionException("server reported unexpected next timeline " + next
                        + " following timeline " + tli);
            }
            position = sink.onTimelineSwitch(tli, eot.next(), timelineHistory(next));
            tli = next;
        }
    }

    /** Terminate and close; waits briefly for the server to see it. */
    @Override
    public void close() {
        if (channel.isOpen()) {
            channel.eventLoop().execute(handler::terminate);
        }
        try {
            handler.closed.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            channel.close();
        }
    }

    public boolean isOpen() {
        return channel.isActive();
    }
}
