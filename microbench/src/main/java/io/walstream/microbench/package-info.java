/**
 * JMH benchmarks of the hot path and of the choices made for it: frame decoding, CRC-32C, LSN parsing, the
 * receive pipeline, segment writes (FileChannel, a mapped file, Chronicle Bytes), LZ4 and zstd decoding. Outside
 * the product jar: nothing depends on this module. How to run each, and the results, are in benchmarks/README.md.
 */
package io.walstream.microbench;
