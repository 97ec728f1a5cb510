/**
 * Messages the client sends, each able to write itself into a {@link io.netty.buffer.ByteBuf}, and
 * {@link io.walstream.protocol.message.frontend.FrontendMessageEncoder} for a Netty pipeline. Includes the CopyBoth
 * sub-messages {@code 'r'} (standby status update) and {@code 'h'} (hot standby feedback), wrapped in CopyData.
 */
package io.walstream.protocol.message.frontend;
