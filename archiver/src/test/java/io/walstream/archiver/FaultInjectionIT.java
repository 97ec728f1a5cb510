package io.walstream.archiver;

import io.walstream.archiver.verify.VerifyReport;

import io.walstream.archiver.verify.ArchiveVerifier;

import io.walstream.archiver.store.ArchiveDirectory;

import static io.walstream.archiver.ArchiveReceiverIT.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network and server faults under a write load, through {@link FaultProxy}: the connection cut, stalled past
 * {@code wal_sender_timeout} (the server drops us), delayed, throttled, a byte of the server's stream flipped, the
 * stream truncated mid-read; the server crashed or shut down and restarted. Each round ends when walstream has made
 * durable everything the server had written at the fault (after reconnecting on its own where the fault ends the
 * connection). Then the archive's WAL written since the round before, up to that position, complete segment or
 * {@code .partial}, must be the server's, byte for byte: what a fault of this kind lost is counted per kind. A
 * flipped byte is located in the server's messages by the proxy: one in WAL must be refused as bad WAL (the
 * verifier's CRC and zero checks) and the connection restarted, one in the framing must end the connection. At the
 * end every complete segment is byte-identical to the server's, {@code verify} is clean, and nothing was lost.
 * Seeded: the seed is printed, {@code -Dfaults.seed=N} replays it; {@code -Dfaults.KIND=N} sets the rounds of each
 * kind.
 */
@ExtendWith(PgClusterExtension.class)
class FaultInjectionIT {

    /** A kind of fault, the system property that sets its rounds, and its rounds per CI run. */
    private record Kind(String name, String property, int perRun) {
    }

    private static final List<Kind> KINDS = List.of(new Kind("cut", "faults.cuts", 8),
            new Kind("stall", "faults.stalls", 3), new Kind("crash", "faults.crashes", 2),
            new Kind("shutdown", "faults.shutdowns", 2), new Kind("delay", "faults.delays", 2),
            new Kind("throttle", "faults.throttles", 2), new Kind("corrupt", "faults.corruptions", 4),
            new Kind("truncate", "faults.truncations", 3));

    /**
     * How a round went: for a flipped byte, where it was and what caught it (or that it landed where it does no harm);
     * the bytes of the archive that differ from the server's in the WAL written since the round before.
     */
    private record Round(String fault, long recoveryMillis, String outcome, long lostBytes) {
    }

    /** Flipped bytes in these parts of the server's messages must end the connection: the receiver cannot go on. */
    private static final List<String> FRAMING = List.of("message type byte", "message length", "CopyData kind byte",
            "XLogData start");

    @Test
    void faultsUnderLoadLoseNothing(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("faults.seed", System.nanoTime());
        Random random = new Random(seed);
        List<String> faults = new ArrayList<>();
        StringBuilder counts = new StringBuilder();
        for (Kind kind : KINDS) {
            int n = Integer.getInteger(kind.property(), kind.perRun());
            for (int i = 0; i < n; i++) {
                faults.add(kind.name());
            }
            counts.append(counts.length() == 0 ? "" : ", ").append(kind.property()).append('=').append(n);
        }
        System.out.printf("FaultInjectionIT seed %d (-Dfaults.seed=%d to replay): %s%n", seed, seed, counts);
        try (PgCluster pg = PgCluster.builder().name("faults").setting("wal_sender_timeout", "2s")
                .setting("wal_keep_size", "16GB").start(); // every segment stays to compare, even after 100+ faults
                FaultProxy proxy = new FaultProxy("127.0.0.1", pg.port())) {
            pg.execute("CREATE TABLE t (id int, payload text)");
            WalSegmentSize size = WalSegmentSize.ofBytes(pg.walSegmentSize());
            ReceiveOptions opts = ReceiveOptions.of(viaProxy(proxy, pg, "faults")).withSlot("faults", true, true)
                    .withStatusInterval(Duration.ofSeconds(1)).withLoop(true, Duration.ofMillis(200));
            List<Round> rounds = new ArrayList<>();
            long perRoundCompareMillis;
            AtomicBoolean loading = new AtomicBoolean(true);
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                awaitTrue(() -> receiver.progress().streaming());
                long comparedUpTo = receiver.progress().durableLsn();
                long compareNanos = 0;
                CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                    while (loading.get()) {
                        try {
                            ArchiveReceiverIT.write(pg, 500);
                        } catch (RuntimeException serverDown) {
                            sleepQuietly(100); // the server is being crashed or restarted
                        }
                    }
                });
                java.util.Collections.shuffle(faults, random);
                for (String fault : faults) {
                    Thread.sleep(200 + random.nextInt(800));
                    long connectionsBefore = proxy.connections();
                    long refusedBefore = receiver.metrics().verificationFailures();
                    boolean reconnects = true;
                    long t0 = System.nanoTime();
                    switch (fault) {
                        case "cut" -> proxy.cut();
                        case "stall" -> {
                            proxy.stall(true);
                            Thread.sleep(3_500); // past wal_sender_timeout (2 s): the server ends the walsender
                            proxy.stall(false);
                        }
                        case "crash" -> {
                            pg.crash(); // SIGKILL of the postmaster and its children; crash recovery at start
                            pg.start();
                        }
                        case "shutdown" -> {
                            pg.stop(io.walstream.pgcluster.StopMode.FAST);
                            pg.start();
                        }
                        case "delay" -> {
                            // below wal_sender_timeout: late, but the connection must survive it
                            proxy.delay(200 + random.nextInt(600));
                            Thread.sleep(1_500);
                            proxy.delay(0);
                            reconnects = false;
                        }
                        case "throttle" -> {
                            proxy.throttle(64 * 1024 + random.nextInt(448 * 1024));
                            Thread.sleep(1_500);
                            proxy.throttle(0);
                            reconnects = false;
                        }
                        case "corrupt" -> {
                            long flipped = proxy.corrupted();
                            // Half of them the first byte of a read: often a message's type byte (the framing);
                            // the others anywhere in the next 256 kB: mostly WAL.
                            proxy.corrupt(random.nextBoolean() ? 0 : random.nextInt(256 * 1024),
                                    1 + random.nextInt(255));
                            awaitTrue(() -> proxy.corrupted() > flipped);
                            // Time to notice it (if it was caught: reconnect after 200 ms), so that the next round
                            // starts on a settled connection; a flip in a field that does no harm goes unnoticed.
                            Thread.sleep(500);
                            reconnects = false;
                        }
                        default -> {
                            long cutShort = proxy.truncated();
                            proxy.truncate(random.nextInt(256 * 1024));
                            awaitTrue(() -> proxy.truncated() > cutShort);
                        }
                    }
                    Lsn atFault = Lsn.parse(pg.currentWalLsn());
                    boolean mustReconnect = reconnects;
                    awaitTrue(() -> run.isDone() || (!mustReconnect || proxy.connections() > connectionsBefore)
                            && receiver.progress().streaming() && receiver.progress().durableLsn() >= atFault.value());
                    assertThat(run).as("the receiver keeps running").isNotDone();
                    long millis = (System.nanoTime() - t0) / 1_000_000;
                    String outcome = "";
                    if (fault.equals("delay") || fault.equals("throttle")) {
                        assertThat(proxy.connections()).as("the same connection throughout the " + fault)
                                .isEqualTo(connectionsBefore);
                    } else if (fault.equals("corrupt")) {
                        FaultProxy.FlipSite site = proxy.lastFlip();
                        boolean refused = receiver.metrics().verificationFailures() > refusedBefore;
                        boolean reconnected = proxy.connections() > connectionsBefore;
                        outcome = (site.inWal() ? "WAL" : site.field()) + ": " + (refused ? "refused as bad WAL"
                                : reconnected ? "protocol error" : "harmless field");
                        String seedNote = " (seed " + seed + ")";
                        if (site.inWal()) {
                            assertThat(refused && reconnected).as("a flipped byte in " + site + " is refused as bad WAL"
                                    + " and the connection restarted; it was " + outcome + seedNote).isTrue();
                        } else if (FRAMING.contains(site.field())) {
                            assertThat(reconnected).as("a flipped " + site + " ends the connection; it was: " + outcome
                                    + seedNote).isTrue();
                        }
                    }
                    long compareStart = System.nanoTime();
                    long lost = differingBytes(pg, dir, size, comparedUpTo, atFault.value());
                    compareNanos += System.nanoTime() - compareStart;
                    comparedUpTo = Math.max(comparedUpTo, atFault.value());
                    rounds.add(new Round(fault, millis, outcome, lost));
                }
                perRoundCompareMillis = compareNanos / 1_000_000;
                loading.set(false);
                load.get(60, TimeUnit.SECONDS);
                Lsn end = Lsn.parse(pg.switchWal());
                awaitTrue(() -> run.isDone() || receiver.progress().durableLsn() >= end.value());
                assertThat(run).as("the receiver keeps running").isNotDone();
                long mustReconnect = rounds.stream().filter(r -> !List.of("delay", "throttle", "corrupt")
                        .contains(r.fault())).count();
                assertThat(receiver.metrics().reconnects()).isGreaterThanOrEqualTo(mustReconnect);
                receiver.stop();
                assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
            }

            List<WalFileName> segments = ArchiveDirectory.open(dir).segments(size);
            long compared = 0;
            long lostBytes = 0;
            for (WalFileName name : segments) {
                if (name.partial()) {
                    continue;
                }
                byte[] ours = Files.readAllBytes(dir.resolve(name.toString()));
                byte[] theirs = pg.readWalFile(name.toString());
                if (!Arrays.equals(ours, theirs)) {
                    lostBytes += Arrays.mismatch(ours, theirs) >= 0 ? theirs.length - Arrays.mismatch(ours, theirs) : 0;
                }
                compared++;
            }
            VerifyReport report = ArchiveVerifier.verify(dir);
            System.out.println("fault     rounds  bytes lost  recovery p50 / max (ms)");
            for (String kind : KINDS.stream().map(Kind::name).toList()) {
                List<Round> ofKind = rounds.stream().filter(r -> r.fault().equals(kind)).toList();
                long[] ms = ofKind.stream().mapToLong(Round::recoveryMillis).sorted().toArray();
                if (ms.length > 0) {
                    System.out.printf("%-9s %6d %11d  %6d / %d%n", kind, ms.length,
                            ofKind.stream().mapToLong(Round::lostBytes).sum(), ms[(ms.length - 1) / 2], ms[ms.length - 1]);
                }
            }
            System.out.printf("(bytes lost: bytes of the archive, complete segment or .partial, that differ from the"
                    + " server's in the WAL written since the round before, up to what walstream had made durable at"
                    + " the end of the round; those comparisons took %d ms in all)%n", perRoundCompareMillis);
            Map<String, Long> outcomes = new java.util.TreeMap<>();
            rounds.stream().filter(r -> r.fault().equals("corrupt"))
                    .forEach(r -> outcomes.merge(r.outcome(), 1L, Long::sum));
            System.out.printf("flipped bytes: %s%n", outcomes);
            System.out.printf("%d faults; %d complete segments compared with the server's (%d bytes differ), verify"
                    + " clean: %s%n", rounds.size(), compared, lostBytes, report.clean());
            assertThat(compared).isGreaterThanOrEqualTo(2);
            assertThat(rounds.stream().filter(r -> r.lostBytes() > 0).toList())
                    .as("rounds whose WAL differs from the server's (seed %d)", seed).isEmpty();
            assertThat(lostBytes).as("bytes of complete segments differing from the server's").isZero();
            assertThat(report.clean()).as(report.toString()).isTrue();
        }
    }

    @Test
    void anotherClusterBehindTheSameAddressIsRefusedAndTheArchiveKeepsItsWal(@TempDir Path dir) throws Exception {
        try (PgCluster first = PgCluster.builder().name("faults_first").start();
                PgCluster second = PgCluster.builder().name("faults_second").password(first.password()).start();
                FaultProxy proxy = new FaultProxy("127.0.0.1", first.port())) {
            ReceiveOptions opts = ReceiveOptions.of(viaProxy(proxy, first, "replaced"))
                    .withStatusInterval(Duration.ofSeconds(1)).withLoop(true, Duration.ofMillis(200));
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                awaitTrue(() -> receiver.progress().streaming());
                Lsn end = Lsn.parse(first.switchWal());
                awaitTrue(() -> receiver.progress().durableLsn() >= end.value());
                proxy.retarget(second.port());
                proxy.cut();
                assertThat(run).failsWithin(Duration.ofSeconds(60)).withThrowableThat()
                        .havingRootCause().withMessageContaining(second.systemIdentifier());
            }
            assertThat(Files.readString(dir.resolve(ArchiveDirectory.IDENTITY_FILE))).contains(first.systemIdentifier())
                    .doesNotContain(second.systemIdentifier());
            assertThat(ArchiveVerifier.verify(dir).clean()).isTrue();
        }
    }

    @Test
    void aSlotDroppedWhileStreamingIsAClearErrorNotASkip(@TempDir Path dir) throws Exception {
        try (PgCluster pg = PgCluster.builder().name("faults_slot").start();
                FaultProxy proxy = new FaultProxy("127.0.0.1", pg.port())) {
            ReceiveOptions opts = ReceiveOptions.of(viaProxy(proxy, pg, "dropped")).withSlot("dropped", true, true)
                    .withStatusInterval(Duration.ofSeconds(1)).withLoop(true, Duration.ofMillis(200));
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                awaitTrue(() -> receiver.progress().streaming());
                // Reconnects go nowhere while the slot is dropped. (Stalling the proxy instead left the terminated
                // walsender blocked on sending its goodbye to a client that did not read, holding the slot.)
                int nowhere;
                try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                    nowhere = free.getLocalPort();
                }
                proxy.retarget(nowhere);
                proxy.cut(); // the walsender sees its client go and exits
                awaitTrue(() -> pg.query("SELECT active FROM pg_replication_slots WHERE slot_name = 'dropped'")
                        .equals(List.of(List.of("f"))));
                pg.execute("SELECT pg_drop_replication_slot('dropped')");
                proxy.retarget(pg.port());
                assertThat(run).failsWithin(Duration.ofSeconds(60)).withThrowableThat()
                        .havingRootCause().withMessageContaining("dropped");
            }
        }
    }

    /**
     * How many bytes of WAL in {@code [from, to)} the archive lacks or holds different from the server's pg_wal, from
     * the complete segment or else its {@code .partial} (both only read below what the receiver made durable).
     */
    private static long differingBytes(PgCluster pg, Path dir, WalSegmentSize size, long from, long to)
            throws java.io.IOException {
        long differing = 0;
        for (long at = from; at < to;) {
            WalFileName name = WalFileName.of(1, at / size.bytes(), size);
            long offset = at - name.startLsn().value();
            int length = (int) Math.min(to - at, size.bytes() - offset);
            byte[] theirs = pg.readWalFile(name.toString(), offset, length);
            byte[] ours = readRange(dir, name, offset, length);
            long inSegment = 0;
            for (int i = 0; i < length; i++) {
                if (i >= ours.length || i >= theirs.length || ours[i] != theirs[i]) {
                    inSegment++;
                }
            }
            if (inSegment > 0) {
                System.out.printf("%s: %d bytes differ from the server's in %s..%s%n", name, inSegment,
                        Lsn.format(at), Lsn.format(at + length));
            }
            differing += inSegment;
            at += length;
        }
        return differing;
    }

    /** Up to {@code length} bytes from {@code offset} of the complete segment, or else of its {@code .partial}. */
    private static byte[] readRange(Path dir, WalFileName name, long offset, int length) throws java.io.IOException {
        for (int attempt = 0; ; attempt++) {
            Path complete = dir.resolve(name.toString());
            Path file = Files.exists(complete) ? complete : dir.resolve(name.withPartial(true).toString());
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(length);
                while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                    // until the range is read or the file ends
                }
                return Arrays.copyOf(buf.array(), buf.position());
            } catch (java.nio.file.NoSuchFileException renamedMeanwhile) {
                if (attempt == 2) {
                    return new byte[0]; // neither there: all of it is lost
                }
            }
        }
    }

    private static ConnectionSettings viaProxy(FaultProxy proxy, PgCluster pg, String applicationName) {
        return ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port=" + proxy.port() + " user="
                + pg.superuser() + " password=" + pg.password() + " application_name=" + applicationName
                + " connect_timeout=5", Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
