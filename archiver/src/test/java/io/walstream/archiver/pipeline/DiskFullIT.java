package io.walstream.archiver.pipeline;

import io.walstream.archiver.verify.VerifyReport;

import io.walstream.archiver.verify.ArchiveVerifier;

import io.walstream.archiver.store.ArchiveDirectory;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.ArchiveReceiverIT;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk pauses receiving without losing the connection or any WAL, and receiving resumes
 * when space returns: with an injected ENOSPC, and (where this process may mount) on a real tmpfs
 * that fills up and is then grown. The server's wal_sender_timeout is 2 s, so a connection that
 * was not kept alive while paused would be cut.
 */
@ExtendWith(PgClusterExtension.class)
class DiskFullIT {

    private static PgCluster primary;
    private static WalSegmentSize size;

    @BeforeAll
    static void startPrimary() {
        primary = PgCluster.builder().name("diskfull_primary").setting("wal_keep_size", "512MB")
                .setting("wal_sender_timeout", "2s").start();
        primary.execute("CREATE TABLE t (id int, payload text)");
        size = WalSegmentSize.ofBytes(primary.walSegmentSize());
    }

    @AfterAll
    static void stopPrimary() {
        primary.close();
    }

    @AfterEach
    void noFault() {
        SegmentWriter.fault = null;
    }

    @Test
    void anInjectedFullDiskPausesAndResumesWithoutLoss(@TempDir Path dir) throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        SegmentWriter.fault = (file, position) -> {
            if (full.get()) {
                throw new IOException("No space left on device");
            }
        };
        receiveThroughAFullDisk(dir, "injected_full", false, () -> full.set(true), () -> full.set(false));
    }

    /**
     * A synchronous standby writes on the I/O thread (no ring): while it waits for space the status timer on that
     * thread cannot run, so the wait itself must keep the connection alive.
     */
    @Test
    void aSynchronousStandbyPausedByAFullDiskKeepsItsConnection(@TempDir Path dir) throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        SegmentWriter.fault = (file, position) -> {
            if (full.get()) {
                throw new IOException("No space left on device");
            }
        };
        receiveThroughAFullDisk(dir, "injected_full_sync", true, () -> full.set(true), () -> full.set(false));
    }

    @Test
    void aRealFilesystemThatFillsUpAndGrowsLosesNothing(@TempDir Path parent) throws Exception {
        Path dir = parent.resolve("tmpfs");
        Files.createDirectories(dir);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=40m", "walstream-test", dir.toString()),
                "this process may not mount a tmpfs (not root, or no CAP_SYS_ADMIN)");
        try {
            // 40 MB hold two 16 MB segments; the third fills the disk
            receiveThroughAFullDisk(dir, "tmpfs_full", false, () -> { },
                    () -> assertThat(run("mount", "-o", "remount,size=400m", dir.toString())).isTrue());
        } finally {
            run("umount", "-l", dir.toString());
        }
    }

    private static void receiveThroughAFullDisk(Path dir, String name, boolean synchronous, Runnable fill,
            Runnable free) throws Exception {
        primary.createPhysicalSlot(name);
        ReceiveOptions options = ArchiveReceiverIT.options(primary, "application_name=" + name)
                .withSlot(name, false, false);
        if (synchronous) {
            options = options.withFsync(FsyncPolicy.synchronous());
        }
        try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options)) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            ArchiveReceiverIT.awaitTrue(() -> receiver.progress().streaming());
            ArchiveReceiverIT.write(primary, 2000);
            fill.run();
            ArchiveReceiverIT.write(primary, 60_000); // about 40 MB of WAL
            ArchiveReceiverIT.awaitTrue(() -> receiver.progress().diskFull());
            String sender = walsenderPid(name);

            Thread.sleep(6000); // three wal_sender_timeouts
            assertThat(walsenderPid(name)).as("the same connection, kept alive while paused").isEqualTo(sender);
            assertThat(receiver.progress().diskFull()).isTrue();
            assertThat(receiver.progress().durableLsn()).isLessThan(Lsn.parse(primary.currentWalLsn()).value());
            assertThat(run).isNotDone();

            free.run();
            Lsn end = Lsn.parse(primary.switchWal());
            ArchiveReceiverIT.awaitTrue(() -> receiver.progress().durableLsn() >= end.value());
            assertThat(receiver.progress().diskFull()).isFalse();
            assertThat(walsenderPid(name)).as("never reconnected").isEqualTo(sender);
            receiver.stop();
            assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);

            List<WalFileName> segments = ArchiveDirectory.open(dir).segments(size);
            long first = segments.get(0).segmentNumber();
            for (long seg = first; seg < end.segmentNumber(size); seg++) {
                assertThat(dir.resolve(WalFileName.of(1, seg, size).toString())).as("segment %d", seg).exists();
            }
            assertThat(ArchiveReceiverIT.assertSegmentsAreTheServers(primary, dir)).isGreaterThanOrEqualTo(2);
            VerifyReport report = ArchiveVerifier.verify(dir);
            assertThat(report.errorCount()).as("%s", report.findings()).isZero();
        } finally {
            primary.query("SELECT pg_drop_replication_slot(?)::text", name);
        }
    }

    private static String walsenderPid(String applicationName) {
        List<List<String>> rows = primary.query("SELECT pid::text FROM pg_stat_replication WHERE application_name = ?",
                applicationName);
        assertThat(rows).as("walsender for %s", applicationName).hasSize(1);
        return rows.get(0).get(0);
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
