/**
 * The receive pipeline: what happens to received WAL between the socket and a durable, complete
 * segment, and which positions the server is told.
 *
 * <p>Data flows down: the walreceiver hands each XLogData to the {@link
 * io.walstream.archiver.pipeline.ArchiveSink} (the {@code WalSink}; back-pressure lives there), which
 * publishes it to an engine; the engine runs the stages in order: {@link
 * io.walstream.archiver.pipeline.SegmentWriter} (pwrite into {@code NAME.partial}, ENOSPC waits) beside
 * {@link io.walstream.archiver.pipeline.VerifierStage} (CRCs, by a {@link
 * io.walstream.archiver.verify.ReceivedWalVerifier}) and the {@link io.walstream.archiver.pipeline.ReceiptLog},
 * then the {@link io.walstream.archiver.pipeline.Flusher}. Feedback flows up: the flusher's durable
 * position goes back through the sink to the stream, and released bytes resume a paused socket.
 *
 * <p>Where things are decided:
 * <ul>
 *   <li><b>fsync and the flush report</b>: {@link io.walstream.archiver.pipeline.Flusher}, by the
 *       {@link io.walstream.archiver.pipeline.FsyncPolicy}; nothing else fsyncs received WAL or advances
 *       the flush position, and nothing beyond the last verified record is reported or completed;</li>
 *   <li><b>back-pressure</b>: {@link io.walstream.archiver.pipeline.ArchiveSink} (bytes in flight, ring room);
 *       a message's buffer is released by the last stage that reads its bytes ({@link
 *       io.walstream.archiver.pipeline.PipelineStage#readsData()}), not by the flusher;</li>
 *   <li><b>timeline switch</b>: {@link io.walstream.archiver.pipeline.ArchivePipeline#switchTimeline} (the
 *       old timeline's last segment stays {@code .partial}, the new one restarts at its segment start);</li>
 *   <li><b>threads</b>: the engine. {@link io.walstream.archiver.pipeline.RingEngine} runs each stage on its
 *       own thread behind a Disruptor ring (throughput, the default); {@link
 *       io.walstream.archiver.pipeline.InlineEngine} runs them on the I/O thread, the end of a socket read
 *       ending the batch (latency, {@code --synchronous}). Both call the same
 *       {@link io.walstream.archiver.pipeline.PipelineStage} interface, so a stage does not know which runs it.</li>
 * </ul>
 */
package io.walstream.archiver.pipeline;
