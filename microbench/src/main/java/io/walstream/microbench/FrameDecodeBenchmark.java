package io.walstream.microbench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.walstream.protocol.message.backend.BackendMessageDecoder;
import io.walstream.protocol.message.backend.PrimaryKeepalive;
import io.walstream.protocol.message.backend.XLogData;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding the replication stream: one CopyData frame per operation, through the decoder the walreceiver installs
 * ({@link BackendMessageDecoder} in its default mode, which turns CopyData inside CopyBoth straight into
 * {@link XLogData} and {@link PrimaryKeepalive}) in an {@link EmbeddedChannel}, to a last handler that does what the
 * walreceiver's ProtocolHandler does with the message (read its positions; the sink releases XLogData).
 *
 * <p>{@code message}: XLogData with 8 kB or 128 kB of WAL, or a keepalive. {@code delivery}: {@code reused} hands
 * the decoder the same pre-built direct buffer each time (decoding alone: only the 5-byte header and the 25-byte
 * XLogData header are read, the WAL is never touched); {@code fresh} allocates a direct buffer from the channel's
 * allocator (Netty's default, as the socket read does) and copies the frame in, as a socket read delivering exactly
 * one frame would. A socket read of 64 kB splits a 128 kB frame, so the real receive path also pays the
 * decoder's cumulation copy for frames that large; that is not in here.
 *
 * <p>Score: ns per message; {@code -prof gc}'s {@code gc.alloc.rate.norm} is bytes allocated per message.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"})
@State(Scope.Thread)
public class FrameDecodeBenchmark {

    @Param({"8192", "131072", "keepalive"})
    String message;

    @Param({"reused", "fresh"})
    String delivery;

    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private ByteBufAllocator alloc;
    private Sink sink;
    private ByteBuf frame;
    private int frameLength;
    private boolean fresh;

    /** The end of the chain: reads what ProtocolHandler reads, and releases XLogData as the sink would. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        long positions;
        long messages;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof XLogData x) {
                positions += x.dataStart() + x.walEnd() + x.sendTime() + x.dataEnd();
                x.release();
            } else if (msg instanceof PrimaryKeepalive k) {
                positions += k.walEnd() + k.sendTime() + (k.replyRequested() ? 1 : 0);
            } else {
                ReferenceCountUtil.release(msg);
            }
            messages++;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        sink = new Sink();
        channel = new EmbeddedChannel(new BackendMessageDecoder(), sink);
        pipeline = channel.pipeline();
        alloc = channel.alloc();
        fresh = delivery.equals("fresh");
        // CopyBothResponse (binary, no columns): from here CopyData is the replication stream
        ByteBuf copyBoth = alloc.directBuffer();
        copyBoth.writeByte('W').writeInt(4 + 1 + 2).writeByte(0).writeShort(0);
        pipeline.fireChannelRead(copyBoth);
        if (sink.messages != 1) {
            throw new IllegalStateException("CopyBothResponse not decoded");
        }
        frame = buildFrame(alloc, message);
        frameLength = frame.readableBytes();
    }

    /** A complete CopyData frame: 'd', Int32 length, then the XLogData or keepalive body. */
    static ByteBuf buildFrame(ByteBufAllocator alloc, String message) {
        long lsn = 0x16_B374_0000L;
        if (message.equals("keepalive")) {
            ByteBuf b = alloc.directBuffer(5 + PrimaryKeepalive.LENGTH);
            b.writeByte('d').writeInt(4 + PrimaryKeepalive.LENGTH);
            b.writeByte('k').writeLong(lsn).writeLong(789_000_000_000L).writeByte(0);
            return b;
        }
        int wal = Integer.parseInt(message);
        ByteBuf b = alloc.directBuffer(5 + XLogData.HEADER_LENGTH + wal);
        b.writeByte('d').writeInt(4 + XLogData.HEADER_LENGTH + wal);
        b.writeByte('w').writeLong(lsn).writeLong(lsn + wal).writeLong(789_000_000_000L);
        for (int i = 0; i < wal; i++) {
            b.writeByte(i * 31 + 7);
        }
        return b;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        frame.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public long decode() {
        ByteBuf read;
        if (fresh) {
            read = alloc.directBuffer(frameLength);
            read.writeBytes(frame, 0, frameLength);
        } else {
            read = frame.retain().setIndex(0, frameLength); // the decoder releases it once consumed
        }
        pipeline.fireChannelRead(read);
        return sink.positions;
    }
}
