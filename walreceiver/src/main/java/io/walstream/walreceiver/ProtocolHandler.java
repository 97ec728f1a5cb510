package io.walstream.walreceiver;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.walstream.protocol.PgEpoch;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgServerException;
import io.walstream.protocol.ProtocolViolationException;
import io.walstream.protocol.message.backend.Authentication;
import io.walstream.protocol.message.backend.BackendKeyData;
import io.walstream.protocol.message.backend.CommandComplete;
import io.walstream.protocol.message.backend.CopyBothResponse;
import io.walstream.protocol.message.backend.CopyDone;
import io.walstream.protocol.message.backend.DataRow;
import io.walstream.protocol.message.backend.EmptyQueryResponse;
import io.walstream.protocol.message.backend.ErrorResponse;
import io.walstream.protocol.message.backend.NoticeResponse;
import io.walstream.protocol.message.backend.ParameterStatus;
import io.walstream.protocol.message.backend.PrimaryKeepalive;
import io.walstream.protocol.message.backend.ReadyForQuery;
import io.walstream.protocol.message.backend.RowDescription;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.message.frontend.Query;
import io.walstream.protocol.message.frontend.StandbyStatusUpdate;
import io.walstream.protocol.message.frontend.StartupMessage;
import io.walstream.protocol.message.frontend.Terminate;
import io.walstream.protocol.replication.NextTimeline;
import io.walstream.protocol.replication.QueryResult;
import io.walstream.walreceiver.conn.ChannelBinding;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of one replication connection: the startup packet and what the server reports
 * after authentication ({@link Authenticator} does that part), simple queries, and the CopyBoth
 * streaming state machine. Runs on the channel's event loop only; the
 * public API reaches it through futures ({@link ReplicationConnection}).
 */
final class ProtocolHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProtocolHandler.class);

    /** Who we are (the startup packet) and how strictly we authenticate ({@link Authenticator}), for one host. */
    record Login(String user, String password, Map<String, String> startupParameters,
                 ChannelBinding channelBinding) {
    }

    private enum State { STARTUP, IDLE, QUERY, STREAM_STARTING, STREAMING, STREAM_FINISHING, CLOSED }

    private final Login login;
    private final Clock clock;
    private final ReplicationEventListener listener;
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    final Map<String, String> serverParameters = new ConcurrentHashMap<>();

    private ChannelHandlerContext ctx;
    private State state = State.STARTUP;

    // the command in flight (query or START_REPLICATION)
    private CompletableFuture<QueryResult> pendingQuery;
    private String pendingCommand;
    private RowDescription rowDescription;
    private final List<DataRow> rows = new ArrayList<>();
    private String commandTag;
    private PgServerException commandError;

    // the stream in flight
    private ReplicationStream stream;
    private ScheduledFuture<?> statusTimer;
    private boolean clientCopyDoneSent;
    /** Stop asked for before the server's CopyBothResponse: CopyDone cannot be sent yet, so it is sent on it. */
    private boolean stopWhenStarted;
    private String streamEndTag;
    /** Where the next XLogData must start: the requested start, then the end of the previous one. */
    private long nextWal;

    ProtocolHandler(Login login, Clock clock) {
        this(login, clock, ReplicationEventListener.NONE);
    }

    ProtocolHandler(Login login, Clock clock, ReplicationEventListener listener) {
        this.login = login;
        this.clock = clock;
        this.listener = listener;
    }

    // ------------------------------------------------------------------ startup

    /** Sends the startup packet; called once the transport (and TLS, if any) is up. */
    void startup(ChannelHandlerContext context) {
        this.ctx = context;
        ctx.writeAndFlush(new StartupMessage(login.startupParameters()));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        try {
            if (msg instanceof XLogData x) {
                onXLogData(x);
                msg = null; // the sink owns it now
            } else if (msg instanceof PrimaryKeepalive k) {
                onKeepalive(k);
            } else if (msg instanceof Authentication a) {
                onAuthentication(a);
            } else if (msg instanceof ParameterStatus p) {
                serverParameters.put(p.name(), p.value());
                listener.onParameterStatus(p.name(), p.value());
            } else if (msg instanceof BackendKeyData) {
                // cancel requests are not used on replication connections
            } else if (msg instanceof NoticeResponse n) {
                log.info("server notice: {}", n.fields());
                listener.onNotice(n.fields());
            } else if (msg instanceof ErrorResponse e) {
                boolean starting = state == State.STREAM_STARTING || state == State.STREAMING;
                onError(PgServerException.of(state == State.STARTUP ? ErrorHints.forStartup(e.fields())
                        : starting ? ErrorHints.forStartReplication(e.fields()) : e.fields()));
            } else if (msg instanceof RowDescription d) {
                rowDescription = d;
            } else if (msg instanceof DataRow row) {
                rows.add(row);
            } else if (msg instanceof CommandComplete c) {
                onCommandComplete(c);
            } else if (msg instanceof EmptyQueryResponse) {
                commandTag = "";
            } else if (msg instanceof CopyBothResponse) {
                onCopyBoth();
            } else if (msg instanceof CopyDone) {
                onServerCopyDone();
            } else if (msg instanceof ReadyForQuery) {
                onReadyForQuery();
            } else {
                fail(new ConnectionException("unexpected message in state " + state + ": " + msg));
            }
        } catch (RuntimeException e) {
            fail(e);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * The {@link Authenticator} ahead of this handler answers every authentication request and passes on
     * only the final AuthenticationOk; ParameterStatus, BackendKeyData and ReadyForQuery follow it.
     */
    private void onAuthentication(Authentication a) {
        if (state != State.STARTUP) {
            throw new ConnectionException("authentication request after startup: " + a);
        }
        if (!(a instanceof Authentication.Ok)) {
            throw new ConnectionException("authentication request reached the protocol handler unanswered: " + a
                    + " (no Authenticator in the pipeline)");
        }
    }

    // ------------------------------------------------------------------ queries

    /** Runs a simple query; only one command at a time. Must be called on the event loop. */
    void query(String sql, CompletableFuture<QueryResult> result) {
        if (state != State.IDLE) {
            result.completeExceptionally(new IllegalStateException("connection is " + state + ", not idle"));
            return;
        }
        state = State.QUERY;
        beginCommand(result, sql);
        ctx.writeAndFlush(new Query(sql));
    }

    private void beginCommand(CompletableFuture<QueryResult> result, String command) {
        pendingQuery = result;
        pendingCommand = command;
        rowDescription = null;
        rows.clear();
        commandTag = null;
        commandError = null;
    }

    private void onCommandComplete(CommandComplete c) {
        if (state == State.STREAMING) {
            // At shutdown the walsender ends COPY with CommandComplete and no CopyDone (WalSndDone).
            streamEndTag = c.tag();
            return;
        }
        if (commandTag == null) {
            commandTag = c.tag();
        }
    }

    private void onError(PgServerException e) {
        if (state == State.STARTUP) {
            fail(e);
            return;
        }
        commandError = e;
        if (state == State.STREAMING) {
            // An error inside COPY (e.g. WAL already removed) ends COPY; the walsender then sends
            // ReadyForQuery and takes commands again (or exits: channelInactive). Finish the stream
            // only then, so whoever it wakes finds the connection idle, not still "streaming".
            state = State.STREAM_FINISHING;
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void onReadyForQuery() {
        switch (state) {
            case STARTUP -> {
                state = State.IDLE;
                ready.complete(null);
            }
            case QUERY -> {
                state = State.IDLE;
                completeCommand();
            }
            case STREAM_STARTING, STREAM_FINISHING, STREAMING -> {
                state = State.IDLE;
                finishStream();
            }
            default -> throw new ConnectionException("ReadyForQuery in state " + state);
        }
    }

    private void completeCommand() {
        CompletableFuture<QueryResult> f = pendingQuery;
        pendingQuery = null;
        if (commandError != null) {
            f.completeExceptionally(commandError);
        } else {
            try {
                f.complete(result());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }
    }

    /** What the command returned; commands without rows (DROP_REPLICATION_SLOT) have an empty description. */
    private QueryResult result() {
        return new QueryResult(pendingCommand, rowDescription != null ? rowDescription : new RowDescription(List.of()),
                List.copyOf(rows));
    }

    // ------------------------------------------------------------------ streaming

    /** Sends START_REPLICATION for {@code s}. Must be called on the event loop. */
    void startStream(ReplicationStream s, String command) {
        if (state != State.IDLE) {
            s.fail(new IllegalStateException("connection is " + state + ", not idle"));
            return;
        }
        state = State.STREAM_STARTING;
        stream = s;
        nextWal = s.start();
        clientCopyDoneSent = false;
        stopWhenStarted = false;
        streamEndTag = null;
        beginCommand(new CompletableFuture<>(), command);
        ctx.writeAndFlush(new Query(command));
    }

    private void onCopyBoth() {
        if (state != State.STREAM_STARTING) {
            throw new ConnectionException("CopyBothResponse in state " + state);
        }
        state = State.STREAMING;
        stream.markStarted();
        long interval = stream.statusInterval().toMillis();
        if (interval > 0) {
            statusTimer = ctx.executor().scheduleAtFixedRate(() -> sendStatus(false), interval, interval,
                    TimeUnit.MILLISECONDS);
        }
        if (stopWhenStarted) {
            sendCopyDone();
        }
    }

    private void onXLogData(XLogData x) {
        if (state != State.STREAMING) {
            throw new ConnectionException("XLogData outside of streaming, in state " + state); // released by channelRead
        }
        // A walsender sends WAL in order from where it was asked to start; anything else (a message lost or
        // damaged on the way, a broken server) would leave a gap or an overlap in what the sink writes.
        if (x.dataStart() != nextWal || Long.compareUnsigned(x.walEnd(), x.dataStart()) < 0) {
            String what = x.dataStart() != nextWal ? "XLogData at " + Lsn.format(x.dataStart()) + " (expected: "
                    + Lsn.format(nextWal) + ", where the " + (nextWal == stream.start() ? "stream started"
                    : "previous one ended") + ")" : "XLogData at " + Lsn.format(x.dataStart()) + " with walEnd "
                    + Lsn.format(x.walEnd()) + " before it";
            throw new ProtocolViolationException(what);
        }
        nextWal = x.dataEnd();
        listener.onXLogData(x.dataStart(), x.walEnd(), x.sendTime(), x.content().readableBytes());
        stream.received(x.dataEnd());
        if (!stream.sink().onWal(x)) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void onKeepalive(PrimaryKeepalive k) {
        if (state != State.STREAMING && state != State.STREAM_FINISHING) {
            throw new ConnectionException("keepalive outside of streaming, in state " + state);
        }
        listener.onKeepalive(k.walEnd(), k.sendTime(), k.replyRequested());
        stream.sink().onKeepalive(k);
        if (k.replyRequested()) {
            sendStatus(false);
        }
    }

    /** A standby status update with the sink's positions; flush is read before write so that flush <= write. */
    void sendStatus(boolean replyRequested) {
        if (state != State.STREAMING || clientCopyDoneSent) {
            return;
        }
        WalSink sink = stream.sink();
        long flush = sink.flushedLsn();
        long write = Math.max(sink.writtenLsn(), flush);
        long apply = Math.min(sink.appliedLsn(), flush);
        long now = PgEpoch.now(clock);
        ByteBuf buf = ctx.alloc().buffer(1 + 4 + 34);
        StandbyStatusUpdate.encode(buf, write, flush, apply, now, replyRequested);
        ctx.writeAndFlush(buf, ctx.voidPromise());
        listener.onStatusSent(write, flush, apply, now);
    }

    /** Client CopyDone: asks the server to end the stream. */
    void stopStream() {
        if (state == State.STREAMING && !clientCopyDoneSent) {
            sendCopyDone();
        } else if (state == State.STREAM_STARTING) {
            stopWhenStarted = true; // the stream is visible to callers as soon as START_REPLICATION is queued
        }
    }

    /** Last positions first, as a walreceiver does before it ends streaming; then CopyDone. */
    private void sendCopyDone() {
        sendStatus(false);
        clientCopyDoneSent = true;
        ctx.writeAndFlush(io.walstream.protocol.message.frontend.CopyDone.INSTANCE);
    }

    private void onServerCopyDone() {
        if (state != State.STREAMING) {
            throw new ConnectionException("CopyDone in state " + state);
        }
        if (!clientCopyDoneSent) {
            // End of timeline: answer with our own CopyDone; the next-timeline row follows.
            sendCopyDone();
        }
        state = State.STREAM_FINISHING;
        ctx.channel().config().setAutoRead(true);
    }

    private void finishStream() {
        cancelStatusTimer();
        ReplicationStream s = stream;
        stream = null;
        pendingQuery = null;
        if (s == null) {
            return;
        }
        if (commandError != null) {
            s.fail(commandError);
        } else if (rowDescription != null && rowDescription.indexOf("next_tli") >= 0 && !rows.isEmpty()) {
            NextTimeline next = NextTimeline.from(result());
            listener.onEndOfTimeline(s.timeline(), next);
            s.end(new StreamEnd.EndOfTimeline(s.timeline(), next));
        } else if (clientCopyDoneSent && streamEndTag == null) {
            s.end(new StreamEnd.StoppedByClient());
        } else {
            s.end(new StreamEnd.ServerShutdown(streamEndTag != null ? streamEndTag : commandTag));
        }
    }

    private void cancelStatusTimer() {
        if (statusTimer != null) {
            statusTimer.cancel(false);
            statusTimer = null;
        }
    }

    // ------------------------------------------------------------------ closing

    void terminate() {
        if (state == State.IDLE) {
            ctx.writeAndFlush(Terminate.INSTANCE);
        }
        state = State.CLOSED;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        cancelStatusTimer();
        ConnectionException lost = new ConnectionException("connection to the server was closed");
        if (stream != null) {
            if (streamEndTag != null && commandError == null) {
                finishStream(); // server shutdown: CommandComplete then close
            } else {
                ReplicationStream s = stream;
                stream = null;
                s.fail(commandError != null ? commandError : lost);
            }
        }
        if (pendingQuery != null) {
            pendingQuery.completeExceptionally(commandError != null ? commandError : lost);
            pendingQuery = null;
        }
        ready.completeExceptionally(lost);
        state = State.CLOSED;
        closed.complete(null);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        if (stream != null && state == State.STREAMING && stream.sink().onReadComplete()) {
            sendStatus(false); // the batch is durable: answer now (a synchronous commit waits for it)
        }
        context.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof IOException && stream != null && streamEndTag != null && commandError == null) {
            // The walsender said the stream is over (CommandComplete) and exited with our last status
            // update unread, so its kernel answered with a reset: a close like any other after the end
            // of the stream, which channelInactive turns into a server shutdown.
            ctx.close();
            return;
        }
        fail(cause);
    }

    /** A protocol or authentication failure: report it to whoever waits and close the connection. */
    private void fail(Throwable cause) {
        log.debug("closing replication connection: {}", cause.toString());
        ready.completeExceptionally(cause);
        if (pendingQuery != null) {
            pendingQuery.completeExceptionally(cause);
            pendingQuery = null;
        }
        if (stream != null) {
            ReplicationStream s = stream;
            stream = null;
            s.fail(cause);
        }
        state = State.CLOSED;
        ctx.close();
    }
}
