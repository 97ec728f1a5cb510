/**
 * Reading PostgreSQL's WAL format (13–18, {@code XLOG_BLCKSZ} 8192, little-endian): page headers, record headers,
 * CRC-32C, resource manager ids and block references.
 *
 * <p>{@link io.walstream.protocol.wal.WalStreamVerifier} checks a WAL byte stream that arrives in chunks of any size
 * without buffering whole records; {@link io.walstream.protocol.wal.WalRecordReader} yields records from segment
 * files or byte arrays, and {@link io.walstream.protocol.wal.WalRecordBody} decodes their block references. Both walk
 * pages with the same engine, so they accept and reject exactly the same bytes.
 */
package io.walstream.protocol.wal;
