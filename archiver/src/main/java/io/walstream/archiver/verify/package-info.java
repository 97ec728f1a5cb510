/**
 * What received WAL is checked with before the archive calls it good: {@link
 * io.walstream.archiver.verify.ReceivedWalVerifier} takes chunks split anywhere, in order, and by default
 * runs the protocol module's {@code WalStreamVerifier} (page headers, record headers, CRC-32C, zeros
 * where nothing was written). The pipeline's {@code VerifierStage} runs it; a defect stops the
 * pipeline before the segment holding it is completed or reported flushed.
 *
 * <p>{@link io.walstream.archiver.verify.ArchiveVerifier} checks a whole archive afterwards ({@code walstream
 * verify}), through the {@link io.walstream.archiver.store.WalStore} wherever it lives: identity, timeline histories,
 * gaps along the newest timeline, sizes, and every page header and record CRC-32C, into a {@link
 * io.walstream.archiver.verify.VerifyReport}.
 */
package io.walstream.archiver.verify;
