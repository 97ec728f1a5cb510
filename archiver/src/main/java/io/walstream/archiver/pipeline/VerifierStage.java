package io.walstream.archiver.pipeline;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.WalRestore;
import io.walstream.archiver.store.SegmentFiles;
import com.lmax.disruptor.EventHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.walstream.archiver.verify.ReceivedWalVerifier;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage that runs a {@link ReceivedWalVerifier} beside the {@link SegmentWriter}: hands it each chunk,
 * and publishes how far WAL verified, which the {@link Flusher} does not report or complete beyond.
 */
final class VerifierStage implements PipelineStage {

    private static final Logger log = LoggerFactory.getLogger(VerifierStage.class);
    /** How much of the segment before a restart is checked again: records up to about this long are checked whole. */
    private static final int PRIME_WINDOW = 1 << 20;

    private final ReceivedWalVerifier verifier;
    private final PipelineState state;
    /** Where the segment before a restart may be found. */
    private final ArchiveDirectory dir;
    private final WalSegmentSize segmentSize;

    VerifierStage(ReceivedWalVerifier verifier, PipelineState state, ArchiveDirectory dir, WalSegmentSize segmentSize) {
        this.verifier = verifier;
        this.state = state;
        this.dir = dir;
        this.segmentSize = segmentSize;
    }

    @Override
    public boolean readsData() {
        return true;
    }

    @Override
    public void onEvent(WalEvent event) {
        if (state.failed()) {
            return;
        }
        switch (event.kind) {
            case WAL -> {
                try {
                    verifier.verify(event.data, event.start);
                } catch (RuntimeException e) {
                    state.verificationFailures++; // single writer: this thread
                    throw e;
                }
                // After every chunk, not once per batch: the flusher may fsync in the middle of a batch (a
                // segment ended) and reports no further than this; inline, a batch is a whole socket read.
                state.verified = verifier.verifiedLsn();
            }
            case RESTART -> restart(event.timeline, event.lsn);
            case FLUSH -> state.verified = verifier.verifiedLsn();
            default -> throw new IllegalStateException("unknown event " + event.kind);
        }
    }

    /**
     * A stream (re)starting at a segment start begins, as a rule, with the tail of a record that started in the
     * segment before; on its own the verifier can only skip that tail, unchecked. When the archive holds that segment
     * complete (it was checked when it arrived), its last megabyte goes through the verifier first (from a page
     * boundary, as after any jump into WAL), so a crossing record up to about that long is checked whole; the rest of a
     * segment of up to 1 GB is not read again at every reconnect. If that window ends in zeros (it began after a
     * switch), there is no record to cross and it is of no use. Anything in the way (no such file, a compressor renaming it, a defect in it) leaves the plain
     * restart, which is what there was before.
     */
    private void restart(int timeline, long lsn) {
        if (verifier != ReceivedWalVerifier.NONE && lsn >= segmentSize.bytes()
                && (lsn & (segmentSize.bytes() - 1L)) == 0) {
            long previousStart = lsn - segmentSize.bytes();
            long from = lsn - Math.min(PRIME_WINDOW, segmentSize.bytes());
            String previous = WalFileName.of(timeline, previousStart >>> segmentSize.log2(), segmentSize)
                    .segmentName();
            Optional<WalRestore.Found> found = findQuietly(previous);
            if (found.isPresent()) {
                try (InputStream in = SegmentFiles.openDecompressed(dir, found.get().file().name())) {
                    in.skipNBytes(from - previousStart);
                    verifier.restart(timeline, from);
                    byte[] buffer = new byte[64 * 1024];
                    ByteBuf chunk = Unpooled.wrappedBuffer(buffer);
                    long at = from;
                    int n;
                    while (at < lsn && (n = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, lsn - at))) > 0) {
                        verifier.verify(chunk.setIndex(0, n), at);
                        at += n;
                    }
                    if (at == lsn && !verifier.atEndOfWal()) {
                        return;
                    }
                    // Zeros up to the restart (the window began after a switch, whose record it did not see):
                    // they say nothing about the next segment, which a verifier in that state would refuse.
                } catch (IOException | RuntimeException e) {
                    log.debug("restarting the verifier at {} without {}: {}", Lsn.format(lsn),
                            previous, e.toString());
                }
            }
        }
        verifier.restart(timeline, lsn);
    }

    private Optional<WalRestore.Found> findQuietly(String segment) {
        try {
            return WalRestore.find(dir, segment, false);
        } catch (IOException e) {
            log.debug("restarting the verifier without {}: {}", segment, e.toString());
            return Optional.empty();
        }
    }
}
