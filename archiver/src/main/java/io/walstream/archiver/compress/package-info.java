/**
 * Compression of completed segments ({@code receive --compress}): which method and level ({@link
 * io.walstream.archiver.compress.SegmentCompression}), and {@link
 * io.walstream.archiver.compress.SegmentCompressor}, which compresses a segment after the pipeline made
 * it durable and complete, replaces it durably (fsync, rename, fsync the directory), recovers
 * half-done work after a crash, and waits while the receiver is catching up so that it does not take
 * the CPU from receiving. Segments are written plain first: flush positions stay exact and a rewrite
 * at the same offset stays idempotent.
 */
package io.walstream.archiver.compress;
