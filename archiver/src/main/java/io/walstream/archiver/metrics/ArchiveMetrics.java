package io.walstream.archiver.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.walstream.archiver.receive.ArchiveReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * A receiver's meters, in whichever Micrometer registry the caller has: a program embedding walstream binds them to its
 * own, the cli to a Prometheus one served at {@code /metrics} ({@link MetricsServer}).
 *
 * <pre>{@code
 * ArchiveMetrics metrics = new ArchiveMetrics(receiver, Tags.of("cluster", "orders"));
 * metrics.bindTo(registry);
 * try { receiver.run(); } finally { metrics.close(); }
 * }</pre>
 *
 * Gauges and function counters read the receiver's {@link ReceiverMetrics} snapshot when the registry asks (a scrape),
 * so receiving WAL counts nothing extra; only the fsync timer is recorded as it happens, once per flush. Names are
 * Micrometer's dotted ones, chosen so that Prometheus naming gives walstream's names ({@code walstream.received.bytes}
 * counter: {@code walstream_received_bytes_total}; the table is in docs/operations.md). The registry holds the receiver
 * until {@link #close()}, which removes the meters: bind a new receiver's meters only after closing the old ones, since
 * a registry keeps the first meter registered under a name and tags.
 */
public final class ArchiveMetrics implements MeterBinder, AutoCloseable {

    /** Fsync bucket bounds: tens of microseconds (NVMe, tmpfs) to seconds (a stalled disk). */
    static final Duration[] FSYNC_BUCKETS = durations(
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);

    private final Supplier<ReceiverMetrics> source;
    private final Consumer<LongConsumer> observeFsyncs;
    private final Consumer<LongConsumer> stopObservingFsyncs;
    private final Tags tags;
    /** What each bindTo registered, for close. */
    private final List<Binding> bindings = new ArrayList<>();

    private record Binding(MeterRegistry registry, List<Meter> meters, LongConsumer fsyncObserver) {
    }

    public ArchiveMetrics(ArchiveReceiver receiver) {
        this(receiver, Tags.empty());
    }

    /** With {@code tags} on every meter: tell several receivers in one registry apart. */
    public ArchiveMetrics(ArchiveReceiver receiver, Iterable<Tag> tags) {
        this(receiver, receiver::metrics, tags);
    }

    /**
     * With the snapshots from {@code source} (the receiver's, with {@link ReceiverMetrics#withStore} added for
     * {@code --archive}): the object store's meters are bound when the first snapshot has a store.
     */
    public ArchiveMetrics(ArchiveReceiver receiver, Supplier<ReceiverMetrics> source, Iterable<Tag> tags) {
        this(source, receiver::observeFsyncs, receiver::stopObservingFsyncs, tags);
    }

    /** Over any snapshot source: a test's fixed values. */
    ArchiveMetrics(Supplier<ReceiverMetrics> source, Consumer<LongConsumer> observeFsyncs,
            Consumer<LongConsumer> stopObservingFsyncs, Iterable<Tag> tags) {
        this.source = source;
        this.observeFsyncs = observeFsyncs;
        this.stopObservingFsyncs = stopObservingFsyncs;
        this.tags = Tags.of(tags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        List<Meter> meters = new ArrayList<>(24);
        Meters m = new Meters(registry, meters);
        m.gauge("walstream.received.lsn", null, "End of the last WAL byte received from the server, as a byte"
                + " position.", ReceiverMetrics::receivedLsn);
        m.gauge("walstream.written.lsn", null, "End of the last WAL byte written to a segment file.",
                ReceiverMetrics::writtenLsn);
        m.gauge("walstream.flushed.lsn", null, "End of the last WAL byte that is durable (fsynced) and reported"
                + " flushed.", ReceiverMetrics::flushedLsn);
        m.gauge("walstream.verified.lsn", null, "End of the last WAL record whose CRC matched (0: verification off).",
                ReceiverMetrics::verifiedLsn);
        m.gauge("walstream.server.wal.end.lsn", null, "Highest end of WAL the server reported.",
                ReceiverMetrics::serverWalEnd);
        m.gauge("walstream.lag.bytes", BaseUnits.BYTES, "Server's end of WAL minus the flushed position.",
                ReceiverMetrics::lagBytes);
        m.gauge("walstream.lag.seconds", "seconds", "How long ago the server sent the WAL now durable, while behind (0"
                + " when caught up; includes clock skew).", ReceiverMetrics::lagSeconds);
        m.counter("walstream.received.bytes", BaseUnits.BYTES, "WAL bytes received.", ReceiverMetrics::receivedBytes);
        m.counter("walstream.segments.completed", null, "Segments completed: fsynced and renamed from .partial.",
                ReceiverMetrics::segmentsCompleted);
        m.counter("walstream.fsyncs", null, "Flushes that fsynced written WAL.", ReceiverMetrics::fsyncs);
        m.counter("walstream.reconnects", null, "Connection attempts after the first one.", ReceiverMetrics::reconnects);
        // no base unit: it would make walstream_bytes_in_flight_bytes of today's name
        m.gauge("walstream.bytes.in.flight", null, "Received WAL bytes the writer or the verifier has not finished with.",
                ReceiverMetrics::bytesInFlight);
        m.gauge("walstream.ring.occupancy", null, "Ring slots holding WAL not yet released by the flusher.",
                ReceiverMetrics::ringOccupancy);
        m.gauge("walstream.ring.capacity", null, "Ring slots in all.", ReceiverMetrics::ringCapacity);
        m.counter("walstream.verification.failures", null, "WAL chunks that failed page header or record CRC checks.",
                ReceiverMetrics::verificationFailures);
        m.gauge("walstream.timeline", null, "Timeline being streamed (0: not streaming).", ReceiverMetrics::timeline);
        m.gauge("walstream.streaming", null, "1 while a replication stream is open.", r -> r.streaming() ? 1 : 0);
        m.gauge("walstream.disk.full", null, "1 while writing waits for disk space (receiving paused, connection"
                + " kept).", r -> r.storage().diskFull() ? 1 : 0);
        m.counter("walstream.disk.full.events", null, "Times the disk filled up.", r -> r.storage().diskFullEvents());
        m.counter("walstream.segments.compressed", null, "Completed segments compressed.",
                r -> r.storage().segmentsCompressed());
        m.counter("walstream.compression.failures", null, "Segments left uncompressed because compressing failed.",
                r -> r.storage().compressionFailures());
        m.gauge("walstream.compression.pending", null, "Completed segments waiting to be compressed.",
                r -> r.storage().compressionPending());
        m.gauge("walstream.spool.full", null, "1 while receiving waits for uploads: the spool holds more than"
                + " --spool-max not yet uploaded (connection kept, the slot keeps the WAL).",
                r -> r.storage().spoolFull() ? 1 : 0);
        m.counter("walstream.spool.full.events", null, "Times --spool-max paused receiving.",
                r -> r.storage().spoolFullEvents());
        if (source.get().store() != null) {
            m.gauge("walstream.store.archived.lsn", null, "Everything the spool has before this WAL position is in the"
                    + " object store.", r -> store(r).archivedLsn());
            m.gauge("walstream.store.lag.bytes", BaseUnits.BYTES, "Flushed position minus the object store's archived"
                    + " position.", r -> store(r).lagBytes());
            m.gauge("walstream.store.lag.seconds", "seconds", "How long ago the oldest WAL the object store lacks was"
                    + " flushed (0 when it has all).", r -> store(r).lagSeconds());
            m.counter("walstream.store.uploaded.files", null, "Files uploaded to the object store.",
                    r -> store(r).uploadedFiles());
            m.counter("walstream.store.uploaded.bytes", BaseUnits.BYTES, "Bytes uploaded to the object store.",
                    r -> store(r).uploadedBytes());
            m.gauge("walstream.store.uploads.stopped", null, "1 when uploading stopped for good (a conflict or a"
                    + " refusal; receive exits).", r -> store(r).uploadsStopped() ? 1 : 0);
        }
        Timer fsync = Timer.builder("walstream.fsync.duration")
                .description("Time per flush to make written WAL durable (file and directory fsyncs).")
                .serviceLevelObjectives(FSYNC_BUCKETS).tags(tags).register(registry);
        meters.add(fsync);
        LongConsumer observer = nanos -> fsync.record(nanos, TimeUnit.NANOSECONDS);
        synchronized (bindings) {
            bindings.add(new Binding(registry, meters, observer));
        }
        observeFsyncs.accept(observer);
    }

    /** Removes the meters from every registry they were bound to, and stops timing the receiver's fsyncs. */
    @Override
    public void close() {
        List<Binding> all;
        synchronized (bindings) {
            all = List.copyOf(bindings);
            bindings.clear();
        }
        for (Binding b : all) {
            stopObservingFsyncs.accept(b.fsyncObserver());
            b.meters().forEach(b.registry()::remove);
        }
    }

    /** Registers into one registry and remembers what. */
    private final class Meters {
        private final MeterRegistry registry;
        private final List<Meter> meters;

        Meters(MeterRegistry registry, List<Meter> meters) {
            this.registry = registry;
            this.meters = meters;
        }

        void gauge(String name, String baseUnit, String description, ToDoubleFunction<ReceiverMetrics> value) {
            meters.add(Gauge.builder(name, source, s -> value.applyAsDouble(s.get())).strongReference(true)
                    .baseUnit(baseUnit).description(description).tags(tags).register(registry));
        }

        void counter(String name, String baseUnit, String description, ToDoubleFunction<ReceiverMetrics> value) {
            // The registry keeps only a weak reference to the counter's object; the function holds the source strongly,
            // so a binder dropped after bindTo still reports.
            Supplier<ReceiverMetrics> held = source;
            meters.add(FunctionCounter.builder(name, held, s -> value.applyAsDouble(held.get()))
                    .baseUnit(baseUnit).description(description).tags(tags).register(registry));
        }
    }

    private static final ReceiverMetrics.Store NO_STORE = new ReceiverMetrics.Store(0, 0, Double.NaN, 0, 0, false);

    private static ReceiverMetrics.Store store(ReceiverMetrics m) {
        return m.store() != null ? m.store() : NO_STORE;
    }

    private static Duration[] durations(double... seconds) {
        Duration[] d = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            d[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
        }
        return d;
    }
}
