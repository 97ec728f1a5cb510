package io.walstream.walreceiver;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.walstream.protocol.Lsn;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A walsender that misbehaves on purpose (test code, fault injection only): it completes a startup (trust, so
 * AuthenticationOk, then {@code server_version} and ReadyForQuery), answers IDENTIFY_SYSTEM and SHOW as a real
 * one does, and answers START_REPLICATION with CopyBothResponse; what it streams then is up to the test's
 * {@link Script}, which can send valid XLogData, raw bytes, or close.
 */
public final class FakeWalsender implements AutoCloseable {

    /** What to stream on one connection, once START_REPLICATION was answered. */
    public interface Script {
        void stream(Stream out) throws Exception;
    }

    /** Writes to the client of one connection; any thread. */
    public static final class Stream {
        private final Channel channel;
        private final long start;
        private final int connection;
        private boolean clientDone;

        Stream(Channel channel, long start, int connection) {
            this.channel = channel;
            this.start = start;
            this.connection = connection;
        }

        /** Where START_REPLICATION asked to start. */
        public long start() {
            return start;
        }

        /** 1 for the first connection, 2 for the next, ... */
        public int connection() {
            return connection;
        }

        /** One XLogData in a CopyData: {@code length} bytes of {@code wal} from {@code offset}. */
        public Stream xlogData(long dataStart, long walEnd, byte[] wal, int offset, int length) {
            ByteBuf buf = Unpooled.buffer(1 + 4 + 25 + length);
            buf.writeByte('d').writeInt(4 + 25 + length).writeByte('w').writeLong(dataStart).writeLong(walEnd)
                    .writeLong(0).writeBytes(wal, offset, length);
            return raw(buf);
        }

        /** Bytes exactly as given (released by the channel). */
        public Stream raw(ByteBuf bytes) {
            io.netty.channel.ChannelFuture written;
            synchronized (this) {
                if (clientDone) {
                    bytes.release();
                    throw new IllegalStateException("the client ended the stream");
                }
                written = channel.writeAndFlush(bytes);
            }
            written.syncUninterruptibly(); // outside the lock: the event loop takes it in clientCopyDone
            return this;
        }

        /** The client's CopyDone: end the stream as a walsender does (after what was written before). */
        synchronized void clientCopyDone() {
            if (!clientDone) {
                clientDone = true;
                channel.write(frame('c', b -> { }));
                channel.write(frame('C', b -> cString(b, "START_STREAMING")));
                channel.writeAndFlush(frame('Z', b -> b.writeByte('I')));
            }
        }

        synchronized boolean clientDone() {
            return clientDone;
        }

        public void close() {
            channel.close().syncUninterruptibly();
        }
    }

    private static final Pattern START = Pattern.compile(
            "START_REPLICATION (?:SLOT \\S+ )?PHYSICAL ([0-9A-F]+/[0-9A-F]+) TIMELINE (\\d+)");

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final long systemId;
    private final String serverVersion;
    private final String segmentSize;
    private final Lsn xlogPos;
    private final Script script;

    /**
     * @param systemId      what IDENTIFY_SYSTEM reports
     * @param serverVersion {@code server_version}, e.g. "15.4"
     * @param segmentSize   {@code SHOW wal_segment_size}, e.g. "16MB"
     * @param xlogPos       IDENTIFY_SYSTEM's xlogpos (timeline 1)
     */
    public FakeWalsender(long systemId, String serverVersion, String segmentSize, Lsn xlogPos, Script script)
            throws InterruptedException {
        this.systemId = systemId;
        this.serverVersion = serverVersion;
        this.segmentSize = segmentSize;
        this.xlogPos = xlogPos;
        this.script = script;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ClientFrames(), new Walsender(connections.incrementAndGet()));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A client message: the startup packet (type 0), or a typed frontend message and its body. */
    private record ClientMessage(char type, String text) {
    }

    /** Frames the client's messages; the first one (startup) has no type byte. */
    private static final class ClientFrames extends ByteToMessageDecoder {
        private boolean started;

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int header = started ? 5 : 4;
            if (in.readableBytes() < header) {
                return;
            }
            int length = in.getInt(in.readerIndex() + (started ? 1 : 0));
            if (in.readableBytes() < length + (started ? 1 : 0)) {
                return;
            }
            char type = started ? (char) in.readByte() : 0;
            in.skipBytes(4);
            String body = in.readCharSequence(length - 4, StandardCharsets.UTF_8).toString();
            started = true;
            out.add(new ClientMessage(type, body));
        }
    }

    private final class Walsender extends SimpleChannelInboundHandler<ClientMessage> {
        private final int connection;
        private Stream stream;

        Walsender(int connection) {
            this.connection = connection;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ClientMessage msg) {
            switch (msg.type()) {
                case 0 -> {
                    ctx.write(frame('R', b -> b.writeInt(0))); // AuthenticationOk
                    ctx.write(frame('S', b -> cString(cString(b, "server_version"), serverVersion)));
                    ctx.writeAndFlush(frame('Z', b -> b.writeByte('I')));
                }
                case 'Q' -> query(ctx, msg.text().replace("\0", "").trim());
                case 'c' -> {
                    if (stream != null) {
                        stream.clientCopyDone();
                    }
                }
                case 'X' -> ctx.close();
                default -> {
                    // status updates: not listened to
                }
            }
        }

        private void query(ChannelHandlerContext ctx, String sql) {
            if (sql.equals("IDENTIFY_SYSTEM")) {
                rows(ctx, "IDENTIFY_SYSTEM", List.of("systemid", "timeline", "xlogpos", "dbname"),
                        new String[] {Long.toUnsignedString(systemId), "1", xlogPos.toString(), null});
            } else if (sql.startsWith("SHOW")) {
                rows(ctx, "SHOW", List.of(sql.substring(5).trim()), new String[] {segmentSize});
            } else {
                Matcher m = START.matcher(sql);
                if (!m.find()) {
                    ctx.write(frame('E', b -> cString(cString(cString(cString(b.writeByte('S'), "ERROR")
                            .writeByte('C'), "42601").writeByte('M'), "fake walsender: " + sql).writeByte(0), "")));
                    ctx.writeAndFlush(frame('Z', b -> b.writeByte('I')));
                    return;
                }
                ctx.writeAndFlush(frame('W', b -> b.writeByte(0).writeShort(0))); // CopyBothResponse
                Stream out = new Stream(ctx.channel(), Lsn.parse(m.group(1)).value(), connection);
                stream = out;
                // off the event loop: the script blocks on its writes
                new Thread(() -> {
                    try {
                        script.stream(out);
                    } catch (Exception e) {
                        if (!out.clientDone()) {
                            ctx.close();
                        }
                    }
                }, "fake-walsender-" + connection).start();
            }
        }

        private void rows(ChannelHandlerContext ctx, String tag, List<String> columns, String[] values) {
            ctx.write(frame('T', b -> {
                b.writeShort(columns.size());
                for (String c : columns) {
                    cString(b, c).writeInt(0).writeShort(0).writeInt(25).writeShort(-1).writeInt(-1).writeShort(0);
                }
            }));
            ctx.write(frame('D', b -> {
                b.writeShort(values.length);
                for (String v : values) {
                    if (v == null) {
                        b.writeInt(-1);
                    } else {
                        byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
                        b.writeInt(bytes.length).writeBytes(bytes);
                    }
                }
            }));
            ctx.write(frame('C', b -> cString(b, tag)));
            ctx.writeAndFlush(frame('Z', b -> b.writeByte('I')));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** A backend message: type, length, body. */
    public static ByteBuf frame(char type, Consumer<ByteBuf> body) {
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(type).writeInt(0);
        body.accept(buf);
        buf.setInt(1, buf.writerIndex() - 1);
        return buf;
    }

    private static ByteBuf cString(ByteBuf buf, String value) {
        buf.writeCharSequence(value, StandardCharsets.UTF_8);
        return buf.writeByte(0);
    }
}
