/**
 * Messages the server sends and their Netty decoders: {@link io.walstream.protocol.message.backend.SslResponseDecoder}
 * for the one-byte SSLRequest reply, {@link io.walstream.protocol.message.backend.BackendMessageDecoder} for framed
 * messages (by default it also decodes the CopyData of a replication stream into {@code 'w'} XLogData and
 * {@code 'k'} keepalives), and {@link io.walstream.protocol.message.backend.ReplicationMessageDecoder} for those
 * payloads when they arrive as plain CopyData.
 *
 * <p>Ownership: {@link io.walstream.protocol.message.backend.CopyData} and
 * {@link io.walstream.protocol.message.backend.XLogData} hold retained slices of the received buffer; the handler
 * that last receives them releases them. Every other message owns plain Java values and needs no release.
 */
package io.walstream.protocol.message.backend;
