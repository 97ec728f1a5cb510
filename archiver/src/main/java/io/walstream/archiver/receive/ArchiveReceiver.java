package io.walstream.archiver.receive;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.compress.SegmentCompressor;
import io.walstream.archiver.metrics.ReceiverMetrics;
import io.walstream.archiver.pipeline.ArchivePipeline;
import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.archiver.verify.ReceivedWalVerifier;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.protocol.PgServerException;
import io.walstream.protocol.ProtocolViolationException;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.replication.IdentifySystem;
import io.walstream.protocol.replication.ReplicationSlotInfo;
import io.walstream.protocol.wal.WalFormatException;
import io.walstream.walreceiver.ConnectionException;
import io.walstream.walreceiver.ReplicationConnection;
import io.walstream.walreceiver.ReplicationStream;
import io.walstream.walreceiver.StreamEnd;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code walstream receive}: streams WAL from a server into an archive directory until stopped,
 * resuming where the archive ends, reconnecting after lost connections, following timelines.
 *
 * <pre>{@code
 * try (ArchiveReceiver r = new ArchiveReceiver(Path.of("/archive"), ReceiveOptions.of(settings).withSlot("arch", true, true))) {
 *     r.run(); // until r.stop() from another thread, -E, or a fatal error
 * }
 * }</pre>
 */
public final class ArchiveReceiver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ArchiveReceiver.class);

    /** How a run ended. */
    public enum Outcome {
        /** {@link #stop()} was called. */
        STOPPED,
        /** WAL up to the end position is durable. */
        END_POSITION_REACHED,
        /** The server shut down and reconnecting is off. */
        SERVER_SHUT_DOWN
    }

    /** What has happened so far; positions are raw LSN values. */
    public record Progress(long receivedBytes, long writtenLsn, long durableLsn, long verifiedLsn,
            long segmentsCompleted, long fsyncs, int timeline, boolean streaming, boolean diskFull) {
    }

    private final ArchiveDirectory dir;
    private final ReceiveOptions options;
    private final ArchivePipeline.Settings pipelineSettings;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile ArchivePipeline pipeline;
    private volatile SegmentCompressor compressor;
    private volatile ReplicationStream stream;
    private volatile boolean slotCreated;
    private final ServerPosition server = new ServerPosition();
    private volatile long reconnects;
    /** The settings the first pipeline was built with (compressor, verifier): a replacement reuses them. */
    private ArchivePipeline.Settings builtSettings;
    private WalSegmentSize builtFor;
    /** Counters of pipelines discarded after refusing received WAL, so the metrics stay monotonic. */
    private volatile Retired retired = new Retired(0, 0, 0, 0, 0, 0);
    /** End of the WAL received on the last stream; -1 before a stream starts. Run thread only. */
    private long lastReceived = -1;
    /** Where received data was last refused (bad WAL or a protocol violation), or -1. Run thread only. */
    private long lastRefusedAt = -1;
    /** Told each flush's fsync time (ArchiveMetrics' timer); replaced whole, read by the flusher without a lock. */
    private volatile LongConsumer[] fsyncObservers = {};
    /** Told each new durable position (what the server is told is flushed), on the flusher's thread. */
    private volatile LongConsumer durableObserver = lsn -> { };

    public ArchiveReceiver(Path directory, ReceiveOptions options) {
        this(directory, options, ArchivePipeline.Settings.defaults());
    }

    public ArchiveReceiver(Path directory, ReceiveOptions options, ArchivePipeline.Settings pipelineSettings) {
        this(ArchiveDirectory.create(directory), options, pipelineSettings);
    }

    /** Receives into {@code dir}, through its {@link ArchiveDirectory#fileSystem() file system}. */
    public ArchiveReceiver(ArchiveDirectory dir, ReceiveOptions options, ArchivePipeline.Settings pipelineSettings) {
        this.dir = dir;
        this.options = options;
        this.pipelineSettings = pipelineSettings.withFsync(options.fsync()).withReceiptLog(options.receiptLog())
                .withFsyncDurations(pipelineSettings.fsyncDurations().andThen(this::fsynced));
    }

    /**
     * Also tells {@code observer} how many nanoseconds each flush took to make written WAL durable (file and directory
     * fsyncs), from now on, on the flusher's thread: keep it short and allocation-free. Any thread.
     */
    public synchronized void observeFsyncs(LongConsumer observer) {
        LongConsumer[] now = fsyncObservers;
        LongConsumer[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = observer;
        fsyncObservers = next;
    }

    /** Stops telling {@code observer} (the same instance given to {@link #observeFsyncs}). Any thread. */
    public synchronized void stopObservingFsyncs(LongConsumer observer) {
        fsyncObservers = Arrays.stream(fsyncObservers).filter(o -> o != observer)
                .toArray(LongConsumer[]::new);
    }

    /**
     * Tells {@code observer} each new durable position, on the flusher's thread, as the server is told it: the
     * flush position of the status update. Set it before {@link #run()}.
     */
    public void onDurable(LongConsumer observer) {
        durableObserver = observer;
    }

    private void fsynced(long nanos) {
        for (LongConsumer observer : fsyncObservers) {
            observer.accept(nanos);
        }
    }

    public ArchiveDirectory directory() {
        return dir;
    }

    /**
     * Streams until {@link #stop()}, the end position, or (without loop) the end of the connection.
     *
     * @throws PgServerException  for errors the server reports that reconnecting would not cure
     * @throws ArchiveException   for a defect in the WAL or the archive (wrong cluster, gap, I/O)
     * @throws ConnectionException when the connection fails and loop is off
     */
    public Outcome run() {
        try (AutoCloseable lock = dir.lockForWriting()) {
            pipeline = null;
            return loop();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ArchiveException("could not release the lock on " + dir.path() + ": " + e, dir.path(), null, e);
        } finally {
            ArchivePipeline p = pipeline;
            if (p != null) {
                p.close(); // kept for progress(): the final positions
            }
            SegmentCompressor sc = compressor;
            if (sc != null) {
                sc.close(); // after the pipeline: the last completed segments are queued by then
            }
        }
    }

    private Outcome loop() {
        while (true) {
            if (stopRequested.getCount() == 0) {
                return Outcome.STOPPED;
            }
            try {
                Optional<Outcome> done = session();
                if (done.isPresent()) {
                    return done.get();
                }
                if (!options.loop()) {
                    return Outcome.SERVER_SHUT_DOWN;
                }
                log.info("server ended streaming; reconnecting in {} s", options.retryInterval().toSeconds());
            } catch (ConnectionException e) {
                if (stopRequested.getCount() == 0) {
                    // asked to stop while (re)connecting: the attempt's failure is no longer the user's concern
                    log.debug("stopped while connecting: {}", e.getMessage());
                    return Outcome.STOPPED;
                }
                if (!options.loop()) {
                    throw e;
                }
                log.warn("{}; reconnecting in {} s", e.getMessage(), options.retryInterval().toSeconds());
            } catch (PgServerException e) {
                if (!options.loop() || isPermanent(e)) {
                    throw e;
                }
                log.warn("{}; reconnecting in {} s", e.getMessage(), options.retryInterval().toSeconds());
            } catch (WalFormatException | ProtocolViolationException e) {
                refused(e);
            }
            try {
                if (stopRequested.await(options.retryInterval().toMillis(), TimeUnit.MILLISECONDS)) {
                    return Outcome.STOPPED;
                }
                reconnects++; // only this thread writes it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.STOPPED;
            }
        }
    }

    /**
     * Received data was refused: WAL that fails its checks (CRC, headers) or a message the protocol does not allow.
     * Bytes damaged in transit look the same as bad WAL on the server, so the first refusal discards what was not
     * made durable (nothing past the last good record was reported flushed or completed) and fetches it again on a
     * new connection, from where the archive ends. Only when the same position is refused again from a fresh
     * connection is it the server's WAL (or the server) that is bad, and the run stops naming it.
     */
    private void refused(RuntimeException e) {
        long at = e instanceof WalFormatException w ? w.lsn().value() : lastReceived;
        if (!options.loop() || stopRequested.getCount() == 0) {
            throw e;
        }
        if (at == lastRefusedAt) {
            log.error("{}: refused again at the same position from a new connection, so it is not damage in transit;"
                    + " stopping (nothing from there on was reported flushed or completed)", e.getMessage());
            throw e; // the failed pipeline is closed by run(), and its positions stay readable in progress()
        }
        retireFailedPipeline();
        lastRefusedAt = at;
        log.warn("{}; nothing from there on was reported flushed or kept as a complete segment. Fetching it again"
                + " on a new connection in {} s (bytes damaged in transit come right; if the same position fails"
                + " again, walstream stops)", e.getMessage(), options.retryInterval().toSeconds());
    }

    /** What discarded pipelines counted. */
    private record Retired(long received, long segments, long fsyncs, long verificationFailures, long diskFullEvents,
            long spoolFullEvents) {
        Retired plus(ArchivePipeline p) {
            return new Retired(received + p.sink().receivedBytes(), segments + p.segmentsCompleted(), fsyncs + p.fsyncs(),
                    verificationFailures + p.verificationFailures(), diskFullEvents + p.diskFullEvents(),
                    spoolFullEvents + p.spoolFullEvents());
        }
    }

    /**
     * A pipeline that refused WAL stays failed: close it (what it had not made durable is given up) and let the
     * next session build a new one with the same settings.
     */
    private void retireFailedPipeline() {
        ArchivePipeline p = pipeline;
        if (p == null || !p.failure().isCompletedExceptionally()) {
            return;
        }
        p.close();
        Retired next = retired.plus(p); // counters are final once the stages stopped
        pipeline = null;
        retired = next;
    }

    /** Errors that are the same however often we reconnect: stop instead of retrying forever. */
    static boolean isPermanent(PgServerException e) {
        String state = e.sqlState();
        return state == null
                || state.startsWith("28")   // invalid authorization / password
                || state.startsWith("3D")   // database does not exist
                || state.equals("42704")    // undefined object: the slot
                || state.equals("42501")    // insufficient privilege (no REPLICATION)
                || state.equals("55000")    // object not in prerequisite state: slot invalidated
                || state.equals("58P01");   // requested WAL segment has already been removed
    }

    /** One connection; empty when the server ended it (shutdown) and we may reconnect. */
    private Optional<Outcome> session() {
        ReplicationConnection.Options connOptions = ReplicationConnection.Options.defaults()
                .withStatusInterval(options.statusInterval()).withListener(server);
        try (ReplicationConnection c = ReplicationConnection.open(options.connection(), connOptions)) {
            IdentifySystem id = c.identifySystem();
            WalSegmentSize segmentSize = WalSegmentSize.parse(c.show("wal_segment_size"));
            dir.bindTo(id.systemId(), segmentSize);
            lastReceived = -1;
            ArchivePipeline p = pipeline;
            if (p == null) {
                if (builtSettings == null) {
                    ArchivePipeline.Settings settings = pipelineSettings;
                    if (options.compression().method() != WalFileName.Compression.NONE) {
                        settings = withCompressor(settings, segmentSize);
                    }
                    if (settings.verifier() == ReceivedWalVerifier.NONE && options.verifyRecords()) {
                        settings = settings.withVerifier(ReceivedWalVerifier.records(segmentSize, id.timeline(),
                                id.systemId(), c.serverVersion().major()));
                    }
                    builtSettings = settings;
                    builtFor = segmentSize;
                } else if (!builtFor.equals(segmentSize)) {
                    throw new ArchiveException("the server's wal_segment_size changed from " + builtFor + " to "
                            + segmentSize, dir.path(), null);
                }
                p = new ArchivePipeline(dir, segmentSize, builtSettings);
                p.onDurable(durableObserver);
                pipeline = p;
            } else if (!p.segmentSize().equals(segmentSize)) {
                throw new ArchiveException("the server's wal_segment_size changed from " + p.segmentSize() + " to "
                        + segmentSize, dir.path(), null);
            }
            if (options.createSlot() && !slotCreated) {
                createSlot(c);
                slotCreated = true;
            }
            StartPoint start = startPoint(c, id, segmentSize);
            if (start.timeline() > 1 && !dir.hasHistory(start.timeline())) {
                dir.writeHistory(start.timeline(), c.timelineHistory(start.timeline()).content());
            }
            if (options.endLsn() != null) {
                if (start.lsn().compareTo(options.endLsn()) >= 0 && p.flushedLsn() >= options.endLsn().value()) {
                    return Optional.of(Outcome.END_POSITION_REACHED);
                }
                p.sink().stopAt(options.endLsn());
            }
            log.info("streaming {}{} from {} on timeline {} ({}) into {}", c.server(),
                    c.tls().map(t -> " over " + t).orElse(""), start.lsn(), start.timeline(), start.why(), dir.path());
            p.startAt(start.timeline(), start.lsn());
            ArchivePipeline running = p;
            StreamEnd end;
            try {
                end = c.streamFollowingTimelines(options.slot(), start.lsn(), start.timeline(), p.sink(), s -> {
                    running.sink().attach(s);
                    stream = s;
                    if (stopRequested.getCount() == 0) {
                        s.stop();
                    }
                });
            } catch (PgServerException e) {
                throw explainStartFailure(e, start, segmentSize);
            } finally {
                ReplicationStream last = stream;
                if (last != null) {
                    lastReceived = last.receivedLsn(); // where a protocol violation came, for refused()
                }
                stream = null;
                running.sink().attach(null);
            }
            throwIfPipelineFailed(p);
            p.flush();
            if (end instanceof StreamEnd.StoppedByClient) {
                boolean reachedEnd = options.endLsn() != null && p.flushedLsn() >= options.endLsn().value();
                return Optional.of(reachedEnd ? Outcome.END_POSITION_REACHED : Outcome.STOPPED);
            }
            return Optional.empty();
        } catch (ConnectionException e) {
            ArchivePipeline p = pipeline;
            if (p != null) {
                throwIfPipelineFailed(p);
            }
            throw e;
        }
    }

    /** Completed segments go to a {@link SegmentCompressor} (after any listener the embedder gave). */
    private ArchivePipeline.Settings withCompressor(ArchivePipeline.Settings settings, WalSegmentSize segmentSize) {
        SegmentCompressor sc = new SegmentCompressor(dir, options.compression(),
                options.fsync().mode() != FsyncPolicy.Mode.NONE);
        sc.recover(segmentSize);
        // Behind the server by more than a segment: catching up, compress later (up to 1 GiB waiting). Not while
        // receiving waits for uploads (--spool-max): they wait for these very segments to be compressed.
        sc.yieldWhile(() -> {
            ArchivePipeline p = pipeline;
            return p != null && !p.spoolFull() && server.walEnd - p.flushedLsn() > segmentSize.bytes();
        }, (int) Math.max(4, (1L << 30) / segmentSize.bytes()));
        compressor = sc;
        ArchivePipeline.SegmentCompletionListener embedder = settings.onSegment();
        return settings.withOnSegment((name, file) -> {
            embedder.completed(name, file);
            sc.submit(name);
        });
    }

    /**
     * True when {@code --compress} failed for this complete plain segment: it stays uncompressed, so an uploader
     * waiting for the compressed file must take the plain one.
     */
    public boolean compressionGaveUp(WalFileName segment) {
        SegmentCompressor sc = compressor;
        return sc != null && sc.gaveUp(segment);
    }

    /** The compressor when {@code --compress} is on; for progress and metrics. */
    public Optional<SegmentCompressor> compressor() {
        return Optional.ofNullable(compressor);
    }

    private static void throwIfPipelineFailed(ArchivePipeline p) {
        if (p.failure().isCompletedExceptionally()) {
            try {
                p.failure().join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new ArchiveException(String.valueOf(e.getCause()), null, null, e.getCause());
            }
        }
    }

    private void createSlot(ReplicationConnection c) {
        try {
            c.createPhysicalSlot(options.slot(), false, true);
            log.info("created replication slot \"{}\"", options.slot());
        } catch (PgServerException e) {
            if (options.ifNotExists() && "42710".equals(e.sqlState())) {
                log.info("replication slot \"{}\" exists already", options.slot());
                return;
            }
            throw e;
        }
    }

    record StartPoint(int timeline, Lsn lsn, String why) {
    }

    /** pg_receivewal's order: the archive's end, else the slot's restart_lsn, else the server's position. */
    private StartPoint startPoint(ReplicationConnection c, IdentifySystem id, WalSegmentSize segmentSize) {
        Optional<ArchiveDirectory.ResumePoint> resume = dir.resumePoint(segmentSize);
        if (resume.isPresent()) {
            ArchiveDirectory.ResumePoint r = resume.get();
            return new StartPoint(r.timeline(), r.start(), "resuming after " + r.from());
        }
        if (options.slot() != null && c.serverVersion().major() >= 15) {
            Optional<ReplicationSlotInfo> slot = c.readReplicationSlot(options.slot());
            if (slot.isEmpty()) {
                throw new ArchiveException("replication slot \"" + options.slot() + "\" does not exist on " + c.server()
                        + "; create it with --create-slot", dir.path(), null);
            }
            if (slot.get().restartLsn() != null && slot.get().restartLsn().isValid()) {
                return new StartPoint(slot.get().restartTimeline(), slot.get().restartLsn().segmentStart(segmentSize),
                        "slot's restart_lsn " + slot.get().restartLsn());
            }
        }
        return new StartPoint(id.timeline(), id.xlogPos().segmentStart(segmentSize), "server's current position "
                + id.xlogPos());
    }

    private PgServerException explainStartFailure(PgServerException e, StartPoint start, WalSegmentSize segmentSize) {
        if ("58P01".equals(e.sqlState())) {
            WalFileName missing = WalFileName.of(start.timeline(), start.lsn(), segmentSize);
            log.error("the server no longer has WAL from {} (segment {}), so the archive would have a gap after {};"
                    + " use a replication slot to keep this from happening, and start a new archive directory"
                    + " after taking a new base backup", start.lsn(), missing, start.why());
        }
        return e;
    }

    /** Stops streaming cleanly (what is written is flushed); {@link #run()} then returns {@link Outcome#STOPPED}. Any thread. */
    public void stop() {
        stopRequested.countDown();
        ArchivePipeline p = pipeline;
        if (p != null) {
            p.abandonWaits(); // a full disk would hold the stop forever; the slot keeps what was not written
        }
        ReplicationStream s = stream;
        if (s != null) {
            s.stop();
        }
    }

    public Progress progress() {
        ArchivePipeline p = pipeline;
        ReplicationStream s = stream;
        if (p == null) {
            return new Progress(0, 0, 0, 0, 0, 0, 0, false, false);
        }
        Retired r = retired;
        return new Progress(r.received() + p.sink().receivedBytes(), p.writtenLsn(), p.flushedLsn(), p.verifiedLsn(),
                r.segments() + p.segmentsCompleted(), r.fsyncs() + p.fsyncs(), s != null ? s.timeline() : 0,
                s != null, p.diskFull());
    }

    /** Everything a monitoring system wants, now. Any thread; allocates only the snapshot. */
    public ReceiverMetrics metrics() {
        ArchivePipeline p = pipeline;
        ReplicationStream s = stream;
        long serverEnd = server.walEnd;
        Retired r = retired;
        if (p == null) {
            return new ReceiverMetrics(server.receivedEnd, 0, 0, 0, serverEnd, 0, 0, r.received(), r.segments(),
                    r.fsyncs(), 0, false, reconnects, 0, 0, 0, r.verificationFailures(),
                    new ReceiverMetrics.Storage(false, r.diskFullEvents(), 0, 0, 0, false, r.spoolFullEvents()));
        }
        long sendTime = p.durableSendTime(); // may be one flush older than flushed: harmless for a gauge
        long flushed = p.flushedLsn();
        long lagBytes = serverEnd > flushed ? serverEnd - flushed : 0;
        double lagSeconds = lagBytes == 0 ? 0 : sendTime == 0 ? Double.NaN
                : Math.max(0, PgEpoch.now(Clock.systemUTC()) - sendTime) / 1e6;
        return new ReceiverMetrics(server.receivedEnd, p.writtenLsn(), flushed, p.verifiedLsn(), serverEnd, lagBytes,
                lagSeconds, r.received() + p.sink().receivedBytes(), r.segments() + p.segmentsCompleted(),
                r.fsyncs() + p.fsyncs(), s != null ? s.timeline() : 0, s != null, reconnects, p.ringOccupancy(),
                p.ringCapacity(), p.sink().bytesInFlight(), r.verificationFailures() + p.verificationFailures(),
                storage(p, r));
    }

    private ReceiverMetrics.Storage storage(ArchivePipeline p, Retired r) {
        SegmentCompressor sc = compressor;
        return new ReceiverMetrics.Storage(p.diskFull(), r.diskFullEvents() + p.diskFullEvents(),
                sc == null ? 0 : sc.segmentsCompressed(), sc == null ? 0 : sc.failures(), sc == null ? 0 : sc.pending(),
                p.spoolFull(), r.spoolFullEvents() + p.spoolFullEvents());
    }

    @Override
    public void close() {
        stop();
    }


}
