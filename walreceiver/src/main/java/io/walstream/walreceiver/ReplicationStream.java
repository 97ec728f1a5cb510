package io.walstream.walreceiver;

import io.netty.channel.Channel;
import io.walstream.protocol.PgWalError;
import io.walstream.protocol.PgWalException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One START_REPLICATION stream on a {@link ReplicationConnection}: WAL flows into the sink
 * until the timeline ends, the client stops, or the server goes away.
 */
public final class ReplicationStream implements StreamControl {

    private final Channel channel;
    private final ProtocolHandler handler;
    private final WalSink sink;
    private final long start;
    private final int timeline;
    private final Duration statusInterval;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<StreamEnd> end = new CompletableFuture<>();
    private volatile long receivedLsn;

    ReplicationStream(Channel channel, ProtocolHandler handler, WalSink sink, long start, int timeline,
            Duration statusInterval) {
        this.channel = channel;
        this.handler = handler;
        this.sink = sink;
        this.start = start;
        this.timeline = timeline;
        this.statusInterval = statusInterval;
    }

    public WalSink sink() {
        return sink;
    }

    /** Where this stream was asked to start: its first XLogData must start there. */
    long start() {
        return start;
    }

    /** The timeline this stream was started on. */
    public int timeline() {
        return timeline;
    }

    Duration statusInterval() {
        return statusInterval;
    }

    /** The end of the last WAL byte received (not necessarily written by the sink). */
    public long receivedLsn() {
        return receivedLsn;
    }

    /** Completes when the server answered START_REPLICATION with CopyBothResponse. */
    public CompletableFuture<Void> started() {
        return started;
    }

    /** Completes when the stream ends; exceptionally with a {@link PgWalException} or {@link ConnectionException}. */
    public CompletableFuture<StreamEnd> result() {
        return end;
    }

    /** Waits for the end of the stream. */
    public StreamEnd await() {
        try {
            return end.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new ConnectionException("interrupted while streaming", e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /** Starts reading the socket again after the sink returned false from {@link WalSink#onWal}. Any thread. */
    @Override
    public void resumeReading() {
        // On the event loop: a resume from another thread while the sink is still inside onWal
        // must come after the handler turns reading off for that message, not before.
        channel.eventLoop().execute(() -> channel.config().setAutoRead(true));
    }

    /**
     * Sends a status update with the sink's positions now (e.g. right after an fsync). Any thread; on the event loop
     * at once, as a sink that blocks that thread (a synchronous standby waiting for disk space) needs it to.
     */
    @Override
    public void sendStatusNow() {
        if (channel.eventLoop().inEventLoop()) {
            handler.sendStatus(false);
        } else {
            channel.eventLoop().execute(() -> handler.sendStatus(false));
        }
    }

    /** Sends CopyDone: the server finishes the command and the stream ends with {@link StreamEnd.StoppedByClient}. */
    @Override
    public void stop() {
        channel.eventLoop().execute(handler::stopStream);
    }

    void markStarted() {
        started.complete(null);
    }

    void received(long endLsn) {
        receivedLsn = endLsn;
    }

    void end(StreamEnd how) {
        started.complete(null);
        end.complete(how);
    }

    void fail(Throwable cause) {
        started.completeExceptionally(cause);
        end.completeExceptionally(cause);
    }

    static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof PgWalError && cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof IllegalStateException || cause instanceof IllegalArgumentException) {
            return (RuntimeException) cause;
        }
        return new ConnectionException(String.valueOf(cause.getMessage()), cause);
    }
}
