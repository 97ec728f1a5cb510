/**
 * The replication client on Netty: one connection to a walsender, from TCP to a stream of WAL handed to a
 * {@link io.walstream.walreceiver.WalSink}.
 *
 * <p>Where each step is decided, in pipeline order:
 * <ul>
 *   <li>{@link io.walstream.walreceiver.TlsNegotiator}: SSLRequest and the TLS handshake by {@code sslmode}; removes
 *       itself. The engine is BoringSSL's (netty-tcnative, which Netty picks when its native library loads), else
 *       the JDK's: BoringSSL's AES needs no JIT, so a receiver can run with C1 alone.</li>
 *   <li>{@link io.walstream.walreceiver.Authenticator}: trust, password, md5, SCRAM-SHA-256 (with channel binding);
 *       removes itself on AuthenticationOk.</li>
 *   <li>{@link io.walstream.walreceiver.ProtocolHandler}: startup parameters, simple queries
 *       (IDENTIFY_SYSTEM, TIMELINE_HISTORY, slots), START_REPLICATION and the CopyBoth stream.</li>
 *   <li>{@link io.walstream.walreceiver.ReplicationStream}: the streaming state machine: XLogData to the sink,
 *       keepalive replies, status updates with the flush the sink reports ({@code 'r'}), CopyDone and the
 *       next-timeline row.</li>
 *   <li>{@link io.walstream.walreceiver.WalSink}: the one boundary to the archive, including back-pressure
 *       (auto-read off while the sink is full).</li>
 * </ul>
 * {@link io.walstream.walreceiver.ReplicationConnection} is the entry point. {@code conn} parses connection strings,
 * the environment and {@code .pgpass} as libpq does; {@code jdbc} is a second WAL source over pgjdbc's replication
 * API (a baseline for benchmarks), behind the same sink.
 */
package io.walstream.walreceiver;
