package io.walstream.archiver;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
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

/**
 * A TCP proxy between walstream and a server that breaks things on command (test code, fault injection
 * only): {@link #cut()} closes every connection at once (as a network failure the kernel reports),
 * {@link #stall(boolean)} stops passing bytes in both directions while keeping the connections open
 * (longer than {@code wal_sender_timeout}, the server gives up on us).
 */
final class FaultProxy implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private volatile boolean stalled;
    private volatile int targetPort;
    private volatile long connections;

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
                                .handler(new Relay(client))
                                .connect(targetHost, FaultProxy.this.targetPort).addListener((ChannelFutureListener) f -> {
                                    if (f.isSuccess()) {
                                        channels.add(f.channel());
                                        f.channel().read();
                                        client.read();
                                    } else {
                                        client.close();
                                    }
                                }).channel();
                        client.pipeline().addLast(new Relay(upstream));
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

    @Override
    public void close() {
        cut();
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Copies what one side reads to the other, one read at a time, and passes a close on. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel other;

        Relay(Channel other) {
            this.other = other;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!other.isActive()) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            other.writeAndFlush((ByteBuf) msg).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    ctx.close();
                } else if (!stalled) {
                    ctx.channel().read();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            channels.remove(ctx.channel());
            if (other.isActive()) {
                other.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
