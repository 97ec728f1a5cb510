package io.walstream.archiver;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between walstream and a server that breaks things on command (test code, fault injection
 * only): {@link #cut()} closes every connection at once (as a network failure the kernel reports),
 * {@link #stall(boolean)} stops passing bytes in both directions while keeping the connections open
 * (longer than {@code wal_sender_timeout}, the server gives up on us). In the server-to-client direction
 * it can also {@link #delay} bytes, {@link #throttle} them, {@link #corrupt} one byte, and
 * {@link #truncate} the stream (forward part of a read, then cut).
 *
 * <p>Everything runs on one event loop thread, so the per-direction state needs no locking; the
 * settings are written by the test thread and read there.
 */
final class FaultProxy implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private volatile boolean stalled;
    private volatile int targetPort;
    private volatile long connections;
    private volatile long delayNanos;
    private volatile long throttleBytesPerSecond;
    /** Server-to-client bytes still to pass before the armed fault; -1 when none is armed. */
    private final AtomicLong corruptCountdown = new AtomicLong(-1);
    private volatile int corruptMask;
    private final AtomicLong truncateCountdown = new AtomicLong(-1);
    private volatile long corrupted;
    private volatile FlipSite lastFlip;
    private volatile long truncated;

    FaultProxy(String targetHost, int targetPort) throws InterruptedException {
        this.targetPort = targetPort;
        io.netty.channel.ChannelFuture bind = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        connections++;
                        channels.add(client);
                        Channel upstream = new Bootstrap().group(group).channel(NioSocketChannel.class)
                                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.AUTO_READ, false)
                                .handler(new Relay(client, true))
                                .connect(targetHost, FaultProxy.this.targetPort).addListener((ChannelFutureListener) f -> {
                                    if (f.isSuccess()) {
                                        channels.add(f.channel());
                                        f.channel().read();
                                        client.read();
                                    } else {
                                        client.close();
                                    }
                                }).channel();
                        client.pipeline().addLast(new Relay(upstream, false));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0));
        if (!bind.awaitUninterruptibly(30, TimeUnit.SECONDS) || !bind.isSuccess()) {
            throw new IllegalStateException("the fault proxy is not listening after 30 s", bind.cause());
        }
        server = bind.channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections accepted so far. */
    long connections() {
        return connections;
    }

    /** New connections go to {@code port} (another server at the same address, as far as the client can tell). */
    void retarget(int port) {
        this.targetPort = port;
    }

    /** Closes every proxied connection now; new ones are accepted. */
    void cut() {
        for (Channel c : channels) {
            c.close();
        }
    }

    /** While stalled no byte passes either way; the connections stay open. */
    void stall(boolean on) {
        stalled = on;
        if (!on) {
            for (Channel c : channels) {
                c.eventLoop().execute(c::read);
            }
        }
    }

    /** Server-to-client bytes are held this long before they are passed on (0: off); order is kept. */
    void delay(long millis) {
        delayNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Server-to-client bytes pass at most this fast (0: no limit). */
    void throttle(long bytesPerSecond) {
        throttleBytesPerSecond = bytesPerSecond;
        if (bytesPerSecond == 0) {
            for (Channel c : channels) {
                c.eventLoop().execute(c::read); // a paused read may be waiting for its slot
            }
        }
    }

    /** XORs {@code mask} (not 0) into the server-to-client byte that follows the next {@code afterBytes} ones. */
    void corrupt(long afterBytes, int mask) {
        if ((mask & 0xFF) == 0) {
            throw new IllegalArgumentException("mask " + mask + " flips nothing");
        }
        corruptMask = mask;
        corruptCountdown.set(afterBytes);
    }

    /** Passes the next {@code afterBytes} server-to-client bytes, then closes the connection (mid-read). */
    void truncate(long afterBytes) {
        truncateCountdown.set(afterBytes);
    }

    /** Bytes flipped so far. */
    long corrupted() {
        return corrupted;
    }

    /** Where the last flipped byte was in the server's messages; null before the first. */
    FlipSite lastFlip() {
        return lastFlip;
    }

    /** Connections truncated so far. */
    long truncated() {
        return truncated;
    }

    @Override
    public void close() {
        cut();
        if (!server.close().awaitUninterruptibly(30, TimeUnit.SECONDS)
                | !group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the fault proxy did not close within 30 s");
        }
    }

    /**
     * Where a flipped byte lay in the server's message stream: {@code field} names it (the framing, a header field of
     * a CopyData message, WAL); {@code walLsn} is the LSN of a WAL byte, -1 for any other.
     */
    record FlipSite(String field, long walLsn) {
        boolean inWal() {
            return walLsn >= 0;
        }

        @Override
        public String toString() {
            return inWal() ? "WAL at " + io.walstream.protocol.Lsn.format(walLsn) : field;
        }
    }

    /**
     * Follows the framing of the server's messages (type byte, length, body; in a CopyData body the XLogData and
     * keepalive headers) through the reads, so that a flipped byte can be named. Sees the bytes as the server sent
     * them.
     */
    static final class ServerMessages {
        private static final int XLOG_DATA_HEADER = 1 + 8 + 8 + 8; // 'w', start, end of WAL, send time
        private final byte[] header = new byte[5];
        private int headerSeen;
        private long bodyLeft;
        private long bodyOffset;
        private final byte[] copyHeader = new byte[XLOG_DATA_HEADER];

        /** Takes in {@code buf}'s bytes from index {@code from} to {@code to}. */
        void advance(ByteBuf buf, int from, int to) {
            int i = from;
            while (i < to) {
                if (headerSeen < header.length) {
                    header[headerSeen++] = buf.getByte(i++);
                    if (headerSeen == header.length) {
                        bodyLeft = java.nio.ByteBuffer.wrap(header, 1, 4).getInt() - 4L;
                        bodyOffset = 0;
                        if (bodyLeft <= 0) {
                            headerSeen = 0;
                        }
                    }
                    continue;
                }
                int n;
                if (bodyOffset < XLOG_DATA_HEADER) {
                    copyHeader[(int) bodyOffset] = buf.getByte(i);
                    n = 1;
                } else {
                    n = (int) Math.min(to - i, bodyLeft);
                }
                i += n;
                bodyOffset += n;
                bodyLeft -= n;
                if (bodyLeft == 0) {
                    headerSeen = 0;
                }
            }
        }

        /** Where the next byte lies. */
        FlipSite next() {
            if (headerSeen == 0) {
                return new FlipSite("message type byte", -1);
            }
            if (headerSeen < header.length) {
                return new FlipSite("message length", -1);
            }
            char type = (char) header[0];
            if (type != 'd') {
                return new FlipSite("body of message '" + type + "'", -1);
            }
            if (bodyOffset == 0) {
                return new FlipSite("CopyData kind byte", -1);
            }
            char kind = (char) copyHeader[0];
            if (kind == 'w') {
                if (bodyOffset >= XLOG_DATA_HEADER) {
                    long start = java.nio.ByteBuffer.wrap(copyHeader, 1, 8).getLong();
                    return new FlipSite("WAL", start + bodyOffset - XLOG_DATA_HEADER);
                }
                return new FlipSite(bodyOffset <= 8 ? "XLogData start" : bodyOffset <= 16 ? "XLogData end of WAL"
                        : "XLogData send time", -1);
            }
            if (kind == 'k') {
                return new FlipSite(bodyOffset <= 8 ? "keepalive end of WAL" : bodyOffset <= 16
                        ? "keepalive send time" : "keepalive reply request", -1);
            }
            return new FlipSite("body of CopyData '" + kind + "'", -1);
        }
    }

    /** Bytes held back by a delay until {@code due}; a null buffer closes the connection. */
    private record Held(ByteBuf buf, long due) {
    }

    /** Copies what one side reads to the other, one read at a time, and passes a close on. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel other;
        private final boolean fromServer;
        /** Delayed bytes in arrival order, drained by one scheduled task (the scheduler alone could reorder ties). */
        private final java.util.ArrayDeque<Held> held = new java.util.ArrayDeque<>();
        private long lastDue;
        private boolean drainScheduled;
        private final ServerMessages messages = new ServerMessages();

        Relay(Channel other, boolean fromServer) {
            this.other = other;
            this.fromServer = fromServer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!other.isActive()) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            ByteBuf buf = (ByteBuf) msg;
            if (fromServer) {
                corruptIfDue(buf);
                if (truncateIfDue(ctx, buf)) {
                    return;
                }
            }
            int bytes = buf.readableBytes();
            if (fromServer && (delayNanos > 0 || !held.isEmpty())) {
                // Delayed: read on at once (the delay is latency, not a bandwidth cap).
                hold(ctx, buf);
                readNext(ctx, bytes);
                return;
            }
            other.writeAndFlush(buf).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    ctx.close();
                } else {
                    readNext(ctx, bytes);
                }
            });
        }

        private void hold(ChannelHandlerContext ctx, ByteBuf buf) {
            lastDue = Math.max(lastDue, System.nanoTime() + delayNanos);
            held.add(new Held(buf, lastDue));
            if (!drainScheduled) {
                drainScheduled = true;
                ctx.executor().schedule(() -> drain(ctx), Math.max(0, held.peek().due() - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
            }
        }

        private void drain(ChannelHandlerContext ctx) {
            drainScheduled = false;
            while (!held.isEmpty() && held.peek().due() - System.nanoTime() <= 0) {
                Held h = held.poll();
                if (h.buf() == null) {
                    other.close();
                    ctx.close();
                } else {
                    other.writeAndFlush(h.buf()).addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            ctx.close();
                        }
                    });
                }
            }
            if (!held.isEmpty()) {
                drainScheduled = true;
                ctx.executor().schedule(() -> drain(ctx), Math.max(0, held.peek().due() - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
            }
        }

        /** The next read, unless stalled; throttled, after the time {@code bytes} take at the cap. */
        private void readNext(ChannelHandlerContext ctx, int bytes) {
            if (stalled) {
                return;
            }
            long rate = fromServer ? throttleBytesPerSecond : 0;
            if (rate > 0) {
                ctx.executor().schedule(() -> {
                    if (!stalled) {
                        ctx.channel().read();
                    }
                }, bytes * 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
            } else {
                ctx.channel().read();
            }
        }

        private void corruptIfDue(ByteBuf buf) {
            long left = corruptCountdown.get();
            if (left >= 0 && left < buf.readableBytes()) {
                int at = buf.readerIndex() + (int) left;
                messages.advance(buf, buf.readerIndex(), at);
                lastFlip = messages.next();
                messages.advance(buf, at, buf.writerIndex());
                buf.setByte(at, buf.getByte(at) ^ corruptMask);
                corruptCountdown.set(-1);
                corrupted++;
                return;
            }
            if (left >= 0) {
                corruptCountdown.set(left - buf.readableBytes());
            }
            messages.advance(buf, buf.readerIndex(), buf.writerIndex());
        }

        private boolean truncateIfDue(ChannelHandlerContext ctx, ByteBuf buf) {
            long left = truncateCountdown.get();
            if (left < 0) {
                return false;
            }
            if (left >= buf.readableBytes()) {
                truncateCountdown.set(left - buf.readableBytes());
                return false;
            }
            truncateCountdown.set(-1);
            truncated++;
            ByteBuf head = buf.readRetainedSlice((int) left);
            buf.release();
            // After whatever is still delayed: the head of this read, then both sides close.
            hold(ctx, head);
            hold(ctx, null);
            return true;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            channels.remove(ctx.channel());
            if (!held.isEmpty()) {
                hold(ctx, null); // after the delayed bytes
            } else if (other.isActive()) {
                other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
