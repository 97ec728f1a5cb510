/**
 * What received WAL is checked with before the archive calls it good: {@link
 * io.walstream.archiver.verify.ReceivedWalVerifier} takes chunks split anywhere, in order, and by default
 * runs the protocol module's {@code WalStreamVerifier} (page headers, record headers, CRC-32C, zeros
 * where nothing was written). The pipeline's {@code VerifierStage} runs it; a defect stops the
 * pipeline before the segment holding it is completed or reported flushed.
 */
package io.walstream.archiver.verify;
