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
    private volatile long truncated;

    FaultProxy(String targetHost, int targetPort) throws InterruptedException {
        this.targetPort = targetPort;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
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
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
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

    /** Connections truncated so far. */
    long truncated() {
        return truncated;
    }

    @Override
    public void close() {
        cut();
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
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
            if (left < 0) {
                return;
            }
            if (left < buf.readableBytes()) {
                int at = buf.readerIndex() + (int) left;
                buf.setByte(at, buf.getByte(at) ^ corruptMask);
                corruptCountdown.set(-1);
                corrupted++;
            } else {
                corruptCountdown.set(left - buf.readableBytes());
            }
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
