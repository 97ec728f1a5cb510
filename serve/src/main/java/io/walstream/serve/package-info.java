/**
 * {@code walstream serve}: the archive back to standbys and recoveries over HTTP/1.1, on Netty's HTTP codec. {@link
 * io.walstream.serve.WalServer} listens; {@link io.walstream.serve.WalFileRequest} decides which request paths are
 * file names (never paths); {@code WalHttpHandler} decides the status code; {@code WalFileSource} finds the stored
 * file through the {@link io.walstream.archiver.store.WalStore}, sends plain local files by sendfile, reads
 * compressed or remote ones whole before answering (so damage is a 500, never a short 200), and prefetches the next
 * segments into a small cache.
 */
package io.walstream.serve;
