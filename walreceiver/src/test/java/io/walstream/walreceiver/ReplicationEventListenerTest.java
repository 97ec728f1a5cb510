package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.protocol.PgServerException;
import io.walstream.protocol.message.backend.Authentication;
import io.walstream.protocol.message.backend.CommandComplete;
import io.walstream.protocol.message.backend.CopyBothResponse;
import io.walstream.protocol.message.backend.CopyDone;
import io.walstream.protocol.message.backend.DataRow;
import io.walstream.protocol.message.backend.ErrorFields;
import io.walstream.protocol.message.backend.ErrorResponse;
import io.walstream.protocol.message.backend.NoticeResponse;
import io.walstream.protocol.message.backend.ParameterStatus;
import io.walstream.protocol.message.backend.PrimaryKeepalive;
import io.walstream.protocol.message.backend.ReadyForQuery;
import io.walstream.protocol.message.backend.RowDescription;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.message.frontend.FrontendMessageEncoder;
import io.walstream.protocol.replication.NextTimeline;
import io.walstream.walreceiver.conn.ChannelBinding;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every protocol event reaches the listener, in order, with the header fields as sent. */
final class ReplicationEventListenerTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final ReplicationEventListener recorder = new ReplicationEventListener() {
        @Override
        public void onXLogData(long dataStart, long walEnd, long sendTime, int length) {
            events.add("w " + Lsn.format(dataStart) + " " + Lsn.format(walEnd) + " " + sendTime + " " + length);
        }

        @Override
        public void onKeepalive(long walEnd, long sendTime, boolean replyRequested) {
            events.add("k " + Lsn.format(walEnd) + " " + sendTime + " " + replyRequested);
        }

        @Override
        public void onEndOfTimeline(int endedTimeline, NextTimeline next) {
            events.add("eot " + endedTimeline + " -> " + next.timeline() + "@" + next.startPosition());
        }

        @Override
        public void onParameterStatus(String name, String value) {
            events.add("S " + name + "=" + value);
        }

        @Override
        public void onNotice(ErrorFields fields) {
            events.add("N " + fields.message());
        }

        @Override
        public void onStatusSent(long write, long flush, long apply, long clientTime) {
            events.add("r " + Lsn.format(write) + " " + Lsn.format(flush) + " " + Lsn.format(apply) + " " + clientTime);
        }
    };

    private EmbeddedChannel channel;
    private ProtocolHandler handler;
    private MemorySink sink;
    private ReplicationStream stream;

    @BeforeEach
    void streaming() {
        handler = new ProtocolHandler(new ProtocolHandler.Login("rep", null,
                Map.of("user", "rep", "replication", "true"), ChannelBinding.PREFER), CLOCK, recorder);
        channel = new EmbeddedChannel(new FrontendMessageEncoder(), handler);
        channel.writeInbound(Authentication.Ok.INSTANCE, new ParameterStatus("server_version", "17.2"),
                ReadyForQuery.IDLE);
        sink = new MemorySink();
        stream = new ReplicationStream(channel, handler, sink, 0x1000000, 1, Duration.ZERO);
        handler.startStream(stream, "START_REPLICATION PHYSICAL 0/1000000 TIMELINE 1");
        channel.writeInbound(new CopyBothResponse(0, List.of()));
        drainOutbound();
    }

    @AfterEach
    void noLeftovers() {
        channel.finishAndReleaseAll();
    }

    @Test
    void everyEventIsSeenWithItsFields() {
        channel.writeInbound(new XLogData(0x1000000, 0x1004000, 777, Unpooled.buffer(8192).writeZero(8192)));
        channel.writeInbound(new NoticeResponse(new ErrorFields(Map.of('S', "WARNING", 'M', "slot soon invalid"))));
        channel.writeInbound(new PrimaryKeepalive(0x1004000, 888, true));
        channel.writeInbound(CopyDone.INSTANCE);
        channel.writeInbound(new RowDescription(List.of(
                        new RowDescription.Field("next_tli", 0, 0, 20, 8, -1, 0),
                        new RowDescription.Field("next_tli_startpos", 0, 0, 25, -1, -1, 0))),
                new DataRow("2".getBytes(StandardCharsets.UTF_8), "0/1002000".getBytes(StandardCharsets.UTF_8)),
                new CommandComplete("SELECT 1"), new CommandComplete("START_STREAMING"), ReadyForQuery.IDLE);
        drainOutbound();

        long now = PgEpoch.now(CLOCK);
        assertThat(events).containsExactly(
                "S server_version=17.2",
                "w 0/1000000 0/1004000 777 8192",
                "N slot soon invalid",
                "k 0/1004000 888 true",
                "r 0/1002000 0/1002000 0/0 " + now,  // the reply asked for
                "r 0/1002000 0/1002000 0/0 " + now,  // the last one before our CopyDone
                "eot 1 -> 2@0/1002000");
        assertThat(stream.result().join()).isInstanceOf(StreamEnd.EndOfTimeline.class);
    }

    @Test
    void withoutAListenerNothingChanges() {
        assertThat(ReplicationConnection.Options.defaults().listener()).isSameAs(ReplicationEventListener.NONE);
        assertThat(new ReplicationConnection.Options(Duration.ZERO, Duration.ofSeconds(1), CLOCK, null).listener())
                .isSameAs(ReplicationEventListener.NONE);
        assertThat(ReplicationConnection.Options.defaults().withListener(recorder).withStatusInterval(Duration.ZERO)
                .listener()).isSameAs(recorder);
    }

    @Test
    void aMissingSlotSaysWhatToDo() {
        handler.stopStream();
        channel.writeInbound(new CommandComplete("COPY 0"), ReadyForQuery.IDLE);
        drainOutbound();
        ReplicationStream s = new ReplicationStream(channel, handler, sink, 0x1000000, 1, Duration.ZERO);
        handler.startStream(s, "START_REPLICATION SLOT \"gone\" PHYSICAL 0/1000000 TIMELINE 1");
        channel.writeInbound(new ErrorResponse(new ErrorFields(Map.of('S', "ERROR", 'C', "42704",
                'M', "replication slot \"gone\" does not exist"))), ReadyForQuery.IDLE);
        assertThat(s.result()).isCompletedExceptionally();
        PgServerException e = (PgServerException) s.result().handle((end, error) -> error).join();
        assertThat(e.sqlState()).isEqualTo("42704");
        assertThat(e.getMessage()).doesNotContain("\n")
                .startsWith("ERROR: replication slot \"gone\" does not exist Hint: (walstream) create the slot first");
    }

    private void drainOutbound() {
        for (Object o = channel.readOutbound(); o != null; o = channel.readOutbound()) {
            ((ByteBuf) o).release();
        }
    }
}
