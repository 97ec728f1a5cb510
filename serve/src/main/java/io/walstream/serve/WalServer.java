package io.walstream.serve;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.walstream.archiver.store.WalStore;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code walstream serve}: hands archived WAL back over HTTP/1.1, so that a standby's restore_command is a curl call
 * instead of a JVM start per segment.
 *
 * <pre>{@code
 * try (WalServer server = WalServer.start(ArchiveDirectory.open(dir), ServeOptions.plain(address))) {
 *     server.closeFuture().sync();
 * }
 * // restore_command = 'curl -fsS -o %p http://127.0.0.1:7480/wal/%f'
 * }</pre>
 *
 * One I/O thread accepts and sends (plain files by sendfile); reading compressed or remote files and prefetching run on
 * a small worker pool, never on the I/O thread.
 */
public final class WalServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WalServer.class);
    /** A connection that sends nothing for this long is closed (curl sends its request at once). */
    private static final int IDLE_SECONDS = 120;

    private final EventLoopGroup group;
    private final ExecutorService workers;
    private final Channel channel;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private WalServer(EventLoopGroup group, ExecutorService workers, Channel channel) {
        this.group = group;
        this.workers = workers;
        this.channel = channel;
    }

    /**
     * Listens on {@code options.listen()} and serves {@code store} until closed.
     *
     * @throws UncheckedIOException when it cannot listen there (the message names the address)
     */
    public static WalServer start(WalStore store, ServeOptions options) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("walstream-serve", true),
                NioIoHandler.newFactory());
        ExecutorService workers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("walstream-serve-read", true));
        WalHttpHandler handler = new WalHttpHandler(new WalFileSource(store, options.prefetch(), workers,
                options.flushedLsn()), options.token());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS) {
                            @Override
                            protected void channelIdle(io.netty.channel.ChannelHandlerContext ctx,
                                    io.netty.handler.timeout.IdleStateEvent evt) {
                                ctx.close();
                            }
                        });
                        if (options.tls() != null) {
                            p.addLast(options.tls().newHandler(ch.alloc()));
                        }
                        // Request lines and headers are small; anything longer is not a restore_command.
                        p.addLast(new HttpServerCodec(1024, 8192, 8192));
                        p.addLast(new ChunkedWriteHandler());
                        p.addLast(handler);
                    }
                });
        Channel channel;
        try {
            channel = b.bind(options.listen()).syncUninterruptibly().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownNow();
            throw new UncheckedIOException("could not listen on " + options.listen() + ": " + e.getMessage(),
                    e instanceof java.io.IOException io ? io : new java.io.IOException(e));
        }
        WalServer server = new WalServer(group, workers, channel);
        log.info("serving {} on {}://{}:{}/wal/ ({})", store.location(), options.tls() != null ? "https" : "http",
                server.address().getHostString(), server.address().getPort(),
                options.token() != null ? "bearer token required" : "no token");
        return server;
    }

    /** Where it listens (the bound port when started on port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Completes when the server has stopped listening. */
    public io.netty.channel.ChannelFuture closeFuture() {
        return channel.closeFuture();
    }

    /** Stops listening, ends every connection and waits for the threads; a second call does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownNow();
    }
}
