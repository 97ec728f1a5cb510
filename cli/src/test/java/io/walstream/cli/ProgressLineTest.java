package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.metrics.ReceiverMetrics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The progress line: rewritten in place with {@code \r} on a terminal, one line per tick elsewhere. */
final class ProgressLineTest {

    private static ReceiverMetrics metrics(long flushed, long lagBytes, double lagSeconds) {
        return new ReceiverMetrics(0x3000100L, 0x3000100L, flushed, 0, flushed + lagBytes, lagBytes, lagSeconds,
                5_000_000, 2, 3, 1, true, 0, 0, 1024, 0, 0, ReceiverMetrics.Storage.NONE);
    }

    @Test
    void onATerminalTheLineIsRewrittenAndPaddedThenEnded() {
        StringWriter out = new StringWriter();
        AtomicReference<ReceiverMetrics> m = new AtomicReference<>(metrics(0x3000000L, 3L << 20, 1.5));
        ProgressLine p = new ProgressLine(m::get, new PrintWriter(out), true);
        p.tick();
        String first = out.toString();
        assertThat(first).startsWith("\rreceived 0/3000100  flushed 0/3000000  ").contains(" MB/s  lag 3.0 MB, 1.5 s")
                .contains("timeline 1  2 segments").doesNotContain("\n");
        m.set(metrics(0x3000100L, 0, 0));
        p.tick();
        String second = out.toString().substring(first.length());
        assertThat(second).startsWith("\rreceived 0/3000100  flushed 0/3000100").contains("lag 0 B, 0.0 s");
        assertThat(second.length()).as("padded over the longer line").isEqualTo(first.length());
        p.close();
        assertThat(out.toString()).endsWith("\n").doesNotContain("\n\r");
    }

    @Test
    void elsewhereEachTickIsALineAndUnknownLagSecondsIsAQuestionMark() {
        StringWriter out = new StringWriter();
        ProgressLine p = new ProgressLine(() -> metrics(0, 100, Double.NaN), new PrintWriter(out), false);
        p.tick();
        p.tick();
        p.close();
        assertThat(out.toString().lines()).hasSize(2).allSatisfy(l -> assertThat(l).contains("lag 100 B, ? s"));
        assertThat(out.toString()).doesNotContain("\r");
    }

    @Test
    void withAnObjectStoreItsPositionAndLagEndTheLine() {
        StringWriter out = new StringWriter();
        ProgressLine p = new ProgressLine(() -> metrics(0x3000000L, 0, 0).withStore(new ReceiverMetrics.Store(
                0x2000000L, 16L << 20, 4.25, 3, 48L << 20, false)), new PrintWriter(out), false);
        p.tick();
        p.close();
        assertThat(out.toString().strip()).endsWith("  store 0/2000000, 16.0 MB behind (4.3 s)");
        assertThat(ProgressLine.store(new ReceiverMetrics.Store(0, 0, 0, 0, 0, true)))
                .isEqualTo("  store: nothing yet  UPLOADS STOPPED");
    }

    @Test
    void aFailedCompressionIsNeverSilent() {
        ReceiverMetrics m = metrics(0x3000000L, 0, 0);
        ReceiverMetrics failed = new ReceiverMetrics(m.receivedLsn(), m.writtenLsn(), m.flushedLsn(), m.verifiedLsn(),
                m.serverWalEnd(), m.lagBytes(), m.lagSeconds(), m.receivedBytes(), m.segmentsCompleted(), m.fsyncs(),
                m.timeline(), m.streaming(), m.reconnects(), m.ringOccupancy(), m.ringCapacity(), m.bytesInFlight(),
                m.verificationFailures(), new ReceiverMetrics.Storage(false, 0, 4, 1, 0, false, 0));
        assertThat(ProgressLine.format(failed, 1.0)).contains("COMPRESSION FAILED: 1 segments kept uncompressed");
        assertThat(ProgressLine.format(m, 1.0)).doesNotContain("COMPRESSION");
    }
}
