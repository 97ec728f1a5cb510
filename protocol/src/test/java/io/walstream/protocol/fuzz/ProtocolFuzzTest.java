package io.walstream.protocol.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.walstream.protocol.ProtocolViolationException;
import io.walstream.protocol.TimelineHistory;
import io.walstream.protocol.TimelineHistoryException;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.message.backend.BackendMessageDecoder;
import io.walstream.protocol.message.backend.ReplicationMessageDecoder;
import io.walstream.protocol.wal.WalFormatException;
import io.walstream.protocol.wal.WalRecord;
import io.walstream.protocol.wal.WalRecordReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Jazzer fuzz targets for what walstream reads from a server: the backend message decoder (bytes as a socket
 * would deliver them, split where the input says), the CopyBoth sub-messages, the WAL record reader, and
 * timeline history files. Each input must end in the decoder's own typed error or in messages, never in
 * another exception, a hang or a buffer left unreleased. {@code mvn test} replays the stored corpus
 * ({@code src/test/resources/io/walstream/protocol/fuzz/ProtocolFuzzTestInputs/}); {@code JAZZER_FUZZ=1}
 * fuzzes (see docs/reliability.md).
 */
class ProtocolFuzzTest {

    private static final WalSegmentSize SEGMENT = WalSegmentSize.ofBytes(16 << 20);

    @FuzzTest(maxDuration = "15m", maxExecutions = 1_000_000)
    void backendMessages(byte[] input) {
        EmbeddedChannel channel = new EmbeddedChannel(new BackendMessageDecoder(64 << 10, 64 << 10, true));
        List<ByteBuf> fed = new ArrayList<>();
        int chunk = input.length == 0 ? 1 : (input[0] & 0x3F) + 1;
        try {
            for (int at = 1; at < input.length; at += chunk) {
                ByteBuf piece = Unpooled.copiedBuffer(input, at, Math.min(chunk, input.length - at));
                fed.add(piece);
                channel.writeInbound(piece);
                for (Object m; (m = channel.readInbound()) != null; ) {
                    ReferenceCountUtil.release(m);
                }
            }
        } catch (DecoderException e) {
            expectProtocolViolation(e);
        } finally {
            try {
                channel.finishAndReleaseAll(); // the connection closes: a message cut short is a protocol error too
            } catch (DecoderException e) {
                expectProtocolViolation(e);
            }
        }
        for (ByteBuf b : fed) {
            assertThat(b.refCnt()).as("every byte fed is released").isZero();
        }
    }

    private static void expectProtocolViolation(DecoderException e) {
        if (!(e instanceof ProtocolViolationException) && !(e.getCause() instanceof ProtocolViolationException)) {
            throw e;
        }
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 1_000_000)
    void copyBothMessages(byte[] input) {
        ByteBuf payload = Unpooled.wrappedBuffer(input);
        try {
            ReferenceCountUtil.release(ReplicationMessageDecoder.decode(payload));
        } catch (ProtocolViolationException expected) {
            // a typed protocol error: what a hostile or broken walsender gets
        } finally {
            if (payload.refCnt() > 0) {
                payload.release();
            }
        }
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 1_000_000)
    void walRecords(byte[] input) {
        // CRCs off, so that mutated records get past the checksum into the header and block-reference parsing
        WalRecordReader.Options options = new WalRecordReader.Options(0, 0, 0, false);
        try (WalRecordReader reader = WalRecordReader.of(input, 0, input.length, 0x1000000L, SEGMENT, options)) {
            for (int n = 0; n < 10_000 && reader.next(); n++) {
                WalRecord r = reader.record();
                assertThat(r.endLsn()).isGreaterThan(r.lsn());
                r.body();
            }
        } catch (WalFormatException expected) {
            // a defect named with its LSN
        }
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 1_000_000)
    void timelineHistory(byte[] input) {
        try {
            TimelineHistory h = TimelineHistory.parse(2 + (input.length % 5), new String(input, StandardCharsets.UTF_8));
            assertThat(h).isNotNull();
        } catch (TimelineHistoryException expected) {
            // refused with the line that is wrong
        }
    }
}
