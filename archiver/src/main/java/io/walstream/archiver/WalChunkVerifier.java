package io.walstream.archiver;

import io.netty.buffer.ByteBuf;

/**
 * Checks WAL as it arrives, in order, in chunks split anywhere. A defect is thrown as an
 * exception naming the file and LSN; the pipeline then stops and never completes that segment.
 */
public interface WalChunkVerifier {

    /** Streaming (re)starts at {@code lsn} on {@code timeline}; what came before is forgotten. */
    void restart(int timeline, long lsn);

    /** The next chunk, starting exactly where the previous one ended. Must not keep {@code chunk}. */
    void verify(ByteBuf chunk, long startLsn);

    /** End of the last record verified, 0 if none. */
    long verifiedLsn();

    /** Checks nothing. */
    WalChunkVerifier NONE = new WalChunkVerifier() {
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
