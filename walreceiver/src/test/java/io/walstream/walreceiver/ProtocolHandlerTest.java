package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.protocol.message.backend.Authentication;
import io.walstream.protocol.message.backend.CommandComplete;
import io.walstream.protocol.message.backend.CopyBothResponse;
import io.walstream.protocol.message.backend.CopyDone;
import io.walstream.protocol.message.backend.DataRow;
import io.walstream.protocol.message.backend.PrimaryKeepalive;
import io.walstream.protocol.message.backend.ReadyForQuery;
import io.walstream.protocol.message.backend.RowDescription;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.message.frontend.FrontendMessageEncoder;
import io.walstream.walreceiver.conn.ChannelBinding;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The streaming state machine, fed decoded server messages; the bytes it writes are checked exactly. */
final class ProtocolHandlerTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);

    private EmbeddedChannel channel;
    private ProtocolHandler handler;
    private MemorySink sink;
    private ReplicationStream stream;

    @BeforeEach
    void streaming() {
        channel = loggedIn();
        assertThat(handler.ready).isCompleted();
        sink = new MemorySink();
        stream = new ReplicationStream(channel, handler, sink, 0x1000000, 1, Duration.ZERO);
        handler.startStream(stream, "START_REPLICATION PHYSICAL 0/1000000 TIMELINE 1");
        assertThat(readQuery()).isEqualTo("START_REPLICATION PHYSICAL 0/1000000 TIMELINE 1");
        channel.writeInbound(new CopyBothResponse(0, List.of()));
        assertThat(stream.started()).isCompleted();
    }

    /** A new handler, logged in and idle, in a channel of its own. */
    private EmbeddedChannel loggedIn() {
        handler = new ProtocolHandler(new ProtocolHandler.Login("rep", null,
                Map.of("user", "rep", "replication", "true"), ChannelBinding.PREFER), CLOCK);
        EmbeddedChannel ch = new EmbeddedChannel(new FrontendMessageEncoder(), handler);
        ch.writeInbound(Authentication.Ok.INSTANCE, ReadyForQuery.IDLE);
        return ch;
    }

    @AfterEach
    void noLeftovers() {
        channel.finishAndReleaseAll();
    }

    @Test
    void keepaliveAskingForReplyIsAnsweredAtOnceWithTheSinksPositions() {
        channel.writeInbound(xlog(0x1000000, 8192));
        sink.pinnedFlush = 0x1000800; // durable less far than written
        channel.writeInbound(new PrimaryKeepalive(0x1002000, 0, false));
        assertThat((Object) channel.readOutbound()).as("no reply unless asked").isNull();

        channel.writeInbound(new PrimaryKeepalive(0x1002000, 0, true));
        ByteBuf status = channel.readOutbound();
        assertThat(status.readByte()).isEqualTo((byte) 'd');
        assertThat(status.readInt()).isEqualTo(4 + 34);
        assertThat(status.readByte()).isEqualTo((byte) 'r');
        assertThat(status.readLong()).as("write").isEqualTo(0x1002000);
        assertThat(status.readLong()).as("flush: only what the sink reported").isEqualTo(0x1000800);
        assertThat(status.readLong()).as("apply").isZero();
        assertThat(status.readLong()).as("wall-clock µs since 2000-01-01").isEqualTo(PgEpoch.now(CLOCK));
        assertThat(status.readByte()).isZero();
        status.release();
    }

    @Test
    void aReadTheSinkMadeDurableIsAnsweredAtItsEnd() {
        channel.writeInbound(xlog(0x1000000, 8192));
        assertThat((Object) channel.readOutbound()).as("nothing made durable: no status").isNull();

        sink.durableAtReadEnd = true; // a synchronous sink fsynced the read's WAL in onReadComplete
        channel.writeInbound(xlog(0x1002000, 8192));
        ByteBuf status = channel.readOutbound();
        assertThat(status.readByte()).isEqualTo((byte) 'd');
        assertThat(status.readInt()).isEqualTo(4 + 34);
        assertThat(status.readByte()).isEqualTo((byte) 'r');
        assertThat(status.readLong()).as("write").isEqualTo(0x1004000);
        assertThat(status.readLong()).as("flush").isEqualTo(0x1004000);
        status.release();
        assertThat((Object) channel.readOutbound()).as("one status per read").isNull();
    }

    @Test
    void endOfTimelineAnswersCopyDoneAndReportsTheNextTimeline() {
        channel.writeInbound(CopyDone.INSTANCE);
        ByteBuf lastStatus = channel.readOutbound();
        lastStatus.release();
        ByteBuf copyDone = channel.readOutbound();
        assertThat(copyDone.readByte()).isEqualTo((byte) 'c');
        copyDone.release();

        channel.writeInbound(nextTimelineRow(), new DataRow(bytes("2"), bytes("0/3000158")),
                new CommandComplete("SELECT 1"), new CommandComplete("START_STREAMING"), ReadyForQuery.IDLE);
        assertThat(stream.result().join()).isEqualTo(new StreamEnd.EndOfTimeline(1,
                new io.walstream.protocol.replication.NextTimeline(2, Lsn.parse("0/3000158"))));
    }

    @Test
    void startAtTheSwitchPointReturnsTheRowWithoutCopy() {
        EmbeddedChannel ch = loggedIn();
        ReplicationStream s = new ReplicationStream(ch, handler, sink, 0x3000158, 1, Duration.ZERO);
        handler.startStream(s, "START_REPLICATION PHYSICAL 0/3000158 TIMELINE 1");
        ch.writeInbound(nextTimelineRow(), new DataRow(bytes("2"), bytes("0/3000158")),
                new CommandComplete("SELECT 1"), new CommandComplete("START_STREAMING"), ReadyForQuery.IDLE);
        assertThat(s.result().join()).isInstanceOf(StreamEnd.EndOfTimeline.class);
        ch.finishAndReleaseAll();
    }

    @Test
    void aStopAskedForBeforeTheServerStartedCopyIsSentWhenItDoes() {
        EmbeddedChannel ch = loggedIn();
        ReplicationStream s = new ReplicationStream(ch, handler, sink, 0x1000000, 1, Duration.ZERO);
        handler.startStream(s, "START_REPLICATION PHYSICAL 0/1000000 TIMELINE 1");
        ((ByteBuf) ch.readOutbound()).release();
        handler.stopStream(); // the caller holds the stream before the server has answered
        assertThat((Object) ch.readOutbound()).as("no CopyDone outside copy").isNull();

        ch.writeInbound(new CopyBothResponse(0, List.of()));
        ByteBuf status = ch.readOutbound();
        assertThat(status.readByte()).isEqualTo((byte) 'd');
        status.release();
        ByteBuf copyDone = ch.readOutbound();
        assertThat(copyDone.readByte()).as("the stop is not lost").isEqualTo((byte) 'c');
        copyDone.release();
        ch.writeInbound(CopyDone.INSTANCE, new CommandComplete("START_STREAMING"), ReadyForQuery.IDLE);
        assertThat(s.result().join()).isEqualTo(new StreamEnd.StoppedByClient());
        ch.finishAndReleaseAll();
    }

    @Test
    void commandCompleteInsideCopyIsAServerShutdown() {
        channel.writeInbound(new CommandComplete("COPY 0"));
        channel.close();
        assertThat(stream.result().join()).isEqualTo(new StreamEnd.ServerShutdown("COPY 0"));
    }

    @Test
    void aResetAfterTheServersCommandCompleteIsStillAServerShutdown() {
        // The walsender exits with our last status update unread: its kernel sends RST, not FIN.
        channel.writeInbound(new CommandComplete("COPY 0"));
        channel.pipeline().fireExceptionCaught(new java.net.SocketException("Connection reset"));
        assertThat(stream.result().join()).isEqualTo(new StreamEnd.ServerShutdown("COPY 0"));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void xlogDataThatDoesNotStartWhereTheStreamStartedIsAProtocolViolation() {
        XLogData ahead = xlog(0x1002000, 100);
        channel.writeInbound(ahead);
        assertThat(ahead.refCnt()).as("released").isZero();
        assertThat(stream.result()).failsWithin(java.time.Duration.ZERO).withThrowableThat()
                .havingCause().isInstanceOf(io.walstream.protocol.ProtocolViolationException.class)
                .withMessage("XLogData at 0/1002000 (expected: 0/1000000, where the stream started)");
        assertThat(channel.isOpen()).isFalse();
        assertThat(sink.written).as("nothing given to the sink").isZero();
    }

    @Test
    void xlogDataGoingBackOrSkippingAheadIsAProtocolViolation() {
        channel.writeInbound(xlog(0x1000000, 8192));
        XLogData back = xlog(0x1001000, 100);
        channel.writeInbound(back);
        assertThat(back.refCnt()).isZero();
        assertThat(stream.result()).failsWithin(java.time.Duration.ZERO).withThrowableThat()
                .havingCause().withMessage("XLogData at 0/1001000 (expected: 0/1002000, where the previous one ended)");
        assertThat(sink.written).as("only the valid message").isEqualTo(0x1002000);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void walEndBeforeDataStartIsAProtocolViolation() {
        XLogData x = new XLogData(0x1000000, 0xFFF000, 0, Unpooled.buffer(8).writeZero(8));
        channel.writeInbound(x);
        assertThat(x.refCnt()).isZero();
        assertThat(stream.result()).failsWithin(java.time.Duration.ZERO).withThrowableThat()
                .havingCause().withMessage("XLogData at 0/1000000 with walEnd 0/FFF000 before it");
        assertThat(sink.written).isZero();
    }

    @Test
    void aResetWhileStreamingIsALostConnection() {
        channel.pipeline().fireExceptionCaught(new java.net.SocketException("Connection reset"));
        assertThat(stream.result()).isCompletedExceptionally();
    }

    @Test
    void aFullSinkTurnsOffAutoReadUntilResumed() {
        sink.acceptBeforeFull = 1;
        channel.writeInbound(xlog(0x1000000, 100));
        assertThat(channel.config().isAutoRead()).isFalse();
        stream.resumeReading();
        channel.runPendingTasks(); // resumeReading runs on the event loop
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(sink.written).isEqualTo(0x1000000 + 100);
    }

    private String readQuery() {
        ByteBuf q = channel.readOutbound();
        try {
            assertThat(q.readByte()).isEqualTo((byte) 'Q');
            int length = q.readInt();
            return q.readCharSequence(length - 5, StandardCharsets.UTF_8).toString();
        } finally {
            q.release();
        }
    }

    private static XLogData xlog(long start, int length) {
        return new XLogData(start, start + length, 0, Unpooled.buffer(length).writeZero(length));
    }

    private static RowDescription nextTimelineRow() {
        return new RowDescription(List.of(
                new RowDescription.Field("next_tli", 0, 0, 20, 8, -1, 0),
                new RowDescription.Field("next_tli_startpos", 0, 0, 25, -1, -1, 0)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
