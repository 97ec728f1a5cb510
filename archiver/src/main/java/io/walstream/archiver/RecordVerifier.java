package io.walstream.archiver;

import com.lmax.disruptor.EventHandler;

/** Runs beside the {@link SegmentWriter}: hands each chunk to a {@link WalChunkVerifier}. */
final class RecordVerifier implements EventHandler<WalEvent> {

    private final WalChunkVerifier verifier;
    private final PipelineState state;

    RecordVerifier(WalChunkVerifier verifier, PipelineState state) {
        this.verifier = verifier;
        this.state = state;
    }

    @Override
    public void onEvent(WalEvent event, long sequence, boolean endOfBatch) {
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
                if (endOfBatch) {
                    state.verified = verifier.verifiedLsn();
                }
            }
            case RESTART -> verifier.restart(event.timeline, event.lsn);
            case FLUSH -> state.verified = verifier.verifiedLsn();
            default -> throw new IllegalStateException("unknown event " + event.kind);
        }
    }
}
