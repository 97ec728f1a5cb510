package io.walstream.archiver.verify;

import io.netty.buffer.ByteBuf;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalStreamVerifier;

/**
 * Checks received WAL as it arrives, in order, in chunks split anywhere. A defect is thrown as an
 * exception naming the file and LSN; the pipeline then stops and never completes that segment.
 *
 * <p>The verifiers, by what each verifies: this one, received WAL (pluggable; {@link #records} is the
 * default); the protocol module's {@link WalStreamVerifier}, the WAL format of any byte stream (pages,
 * records, CRCs), which {@link #records} runs; the pipeline's {@code VerifierStage} is no verifier but
 * the stage that runs this one beside the writer; {@code ArchiveVerifier}, an archive at rest
 * ({@code walstream verify}).
 */
public interface ReceivedWalVerifier {

    /** Streaming (re)starts at {@code lsn} on {@code timeline}; what came before is forgotten. */
    void restart(int timeline, long lsn);

    /** The next chunk, starting exactly where the previous one ended. Must not keep {@code chunk}. */
    void verify(ByteBuf chunk, long startLsn);

    /** End of the last record verified, 0 if none. */
    long verifiedLsn();

    /** True when the bytes so far ended in zeros where WAL would continue (nothing may follow but zeros). */
    default boolean atEndOfWal() {
        return false;
    }

    /**
     * Page headers, record headers and record CRC32C, by {@link WalStreamVerifier}: what
     * PostgreSQL's own reader would check before replaying; and that the space between and after
     * records holds the zeros the server wrote there, so that no received byte goes unchecked.
     */
    static ReceivedWalVerifier records(WalSegmentSize segmentSize, int timeline, long systemId, int serverMajor) {
        WalStreamVerifier v = new WalStreamVerifier(segmentSize, timeline, systemId, serverMajor)
                .requireZeroUnusedSpace();
        return new ReceivedWalVerifier() {
            @Override
            public void restart(int tli, long lsn) {
                v.reset(lsn, tli);
            }

            @Override
            public void verify(ByteBuf chunk, long startLsn) {
                v.accept(chunk, startLsn);
            }

            @Override
            public long verifiedLsn() {
                return v.verifiedEnd();
            }

            @Override
            public boolean atEndOfWal() {
                return v.endOfWal();
            }
        };
    }

    /** Checks nothing. */
    ReceivedWalVerifier NONE = new ReceivedWalVerifier() {
        @Override
        public void restart(int timeline, long lsn) {
        }

        @Override
        public void verify(ByteBuf chunk, long startLsn) {
        }

        @Override
        public long verifiedLsn() {
            return 0;
        }
    };
}
