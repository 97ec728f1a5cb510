package io.walstream.protocol.message.backend;

import static io.walstream.protocol.message.backend.Frames.cString;
import static io.walstream.protocol.message.backend.Frames.feed;
import static io.walstream.protocol.message.backend.Frames.frame;
import static io.walstream.protocol.message.backend.Frames.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.walstream.protocol.NoLeaks;
import io.walstream.protocol.PgUndefinedObjectException;
import io.walstream.protocol.PgWalError;
import io.walstream.protocol.ProtocolViolationException;
import io.walstream.protocol.message.backend.Frames.Feed;
import io.walstream.protocol.message.backend.ReadyForQuery.TransactionStatus;
import io.walstream.protocol.message.backend.RowDescription.Field;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(NoLeaks.class)
final class BackendMessageDecoderTest {

    private EmbeddedChannel channel = new EmbeddedChannel(new BackendMessageDecoder());

    @AfterEach
    void teardown() {
        assertFalse(channel.finish());
    }

    private Object decodeOne(Feed feed, ByteBuf frame) {
        List<Object> messages = feed(channel, feed, frame);
        assertThat(messages).hasSize(1);
        return messages.get(0);
    }

    @ParameterizedTest
    @EnumSource(Feed.class)
    void errorResponseWithAllKindsOfFields(Feed feed) {
        // Golden frame, written from the protocol docs: 'E', Int32 length, (code, C string)*, NUL.
        ByteBuf frame = hex("45 00000073"
            + "| 53 4552524f5200"                                                                  // S ERROR
            + "| 56 4552524f5200"                                                                  // V ERROR
            + "| 43 343237303400"                                                                  // C 42704
            + "| 4d 7265706c69636174696f6e20736c6f74202273312220646f6573206e6f7420657869737400" // M replication slot "s1" does not exist
            + "| 46 736c6f742e6300"                                                                // F slot.c
            + "| 4c 35323300"                                                                      // L 523
            + "| 52 5265706c69636174696f6e536c6f744163717569726500"                                // R ReplicationSlotAcquire
            + "| 5a 667574757265206669656c6400"                                                    // Z (unknown code) future field
            + "| 00");
        ErrorResponse error = (ErrorResponse) decodeOne(feed, frame);
        ErrorFields fields = error.fields();
        assertThat(fields.severity()).isEqualTo("ERROR");
        assertThat(fields.get(ErrorField.SEVERITY_NON_LOCALIZED)).isEqualTo("ERROR");
        assertThat(fields.sqlState()).isEqualTo("42704");
        assertThat(fields.message()).isEqualTo("replication slot \"s1\" does not exist");
        assertThat(fields.get(ErrorField.FILE)).isEqualTo("slot.c");
        assertThat(fields.get(ErrorField.LINE)).isEqualTo("523");
        assertThat(fields.get(ErrorField.ROUTINE)).isEqualTo("ReplicationSlotAcquire");
        assertThat(fields.get('Z')).isEqualTo("future field");
        assertThat(fields.detail()).isNull();
        assertThat(fields.asMap().keySet()).containsExactly('S', 'V', 'C', 'M', 'F', 'L', 'R', 'Z');
        assertThat(error.toException())
            .isInstanceOf(PgUndefinedObjectException.class)
            .hasMessage("ERROR: replication slot \"s1\" does not exist (SQLSTATE 42704)");
    }

    @Test
    void everyDocumentedErrorField() {
        ByteBuf frame = frame('N', b -> {
            for (ErrorField field : ErrorField.values()) {
                b.writeByte(field.code());
                cString(b, "value of " + field);
            }
            b.writeByte(0);
        });
        NoticeResponse notice = (NoticeResponse) decodeOne(Feed.ONE_CHUNK, frame);
        for (ErrorField field : ErrorField.values()) {
            assertThat(notice.fields().get(field)).isEqualTo("value of " + field);
            assertThat(ErrorField.of(field.code())).isSameAs(field);
        }
        assertThat(notice.fields().asMap()).hasSize(18);
        assertThat(ErrorField.of('Z')).isNull();
    }

    @ParameterizedTest
    @EnumSource(Feed.class)
    void authenticationRequests(Feed feed) {
        ByteBuf frames = Frames.concat(
            hex("52 00000008 00000000"),                       // AuthenticationOk
            hex("52 00000008 00000002"),                       // KerberosV5
            hex("52 00000008 00000003"),                       // CleartextPassword
            hex("52 0000000c 00000005 01020304"),              // MD5Password, salt 01 02 03 04
            hex("52 00000008 00000007"),                       // GSS
            hex("52 0000000a 00000008 abcd"),                  // GSSContinue
            hex("52 00000008 00000009"),                       // SSPI
            frame('R', b -> {                                  // SASL
                b.writeInt(10);
                cString(b, "SCRAM-SHA-256-PLUS");
                cString(b, "SCRAM-SHA-256");
                b.writeByte(0);
            }),
            frame('R', b -> b.writeInt(11).writeBytes("r=abc,s=c2FsdA==,i=4096".getBytes(StandardCharsets.US_ASCII))),
            frame('R', b -> b.writeInt(12).writeBytes("v=c2lnbmF0dXJl".getBytes(StandardCharsets.US_ASCII))));
        List<Object> messages = feed(channel, feed, frames);
        assertThat(messages).containsExactly(
            Authentication.Ok.INSTANCE,
            Authentication.KerberosV5.INSTANCE,
            Authentication.CleartextPassword.INSTANCE,
            new Authentication.MD5Password(new byte[] {1, 2, 3, 4}),
            Authentication.Gss.INSTANCE,
            new Authentication.GssContinue(new byte[] {(byte) 0xab, (byte) 0xcd}),
            Authentication.Sspi.INSTANCE,
            new Authentication.Sasl(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256")),
            new Authentication.SaslContinue("r=abc,s=c2FsdA==,i=4096".getBytes(StandardCharsets.US_ASCII)),
            new Authentication.SaslFinal("v=c2lnbmF0dXJl".getBytes(StandardCharsets.US_ASCII)));
        assertThat(messages).extracting(m -> ((Authentication) m).code()).containsExactly(0, 2, 3, 5, 7, 8, 9, 10, 11, 12);
    }

    @Test
    void unknownAuthenticationCode() {
        assertThatThrownBy(() -> channel.writeInbound(hex("52 00000008 00000006")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("unknown Authentication request code: 6");
    }

    @Test
    void md5SaltMustBeFourBytes() {
        assertThatThrownBy(() -> channel.writeInbound(hex("52 0000000b 00000005 010203")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("Authentication is shorter than its fields (length: 11)");
    }

    @ParameterizedTest
    @EnumSource(Feed.class)
    void startupResponses(Feed feed) {
        ByteBuf frames = Frames.concat(
            hex("53 00000018 7365727665725f76657273696f6e00 31362e3100"), // ParameterStatus server_version 16.1
            hex("4b 0000000c 00003039 deadbeef"),                          // BackendKeyData pid 12345, 4-byte key
            frame('K', b -> b.writeInt(7).writeBytes(new byte[32])),       // PostgreSQL 18: 32-byte key
            frame('K', b -> b.writeInt(8).writeBytes(new byte[256])),      // protocol 3.2 maximum
            hex("76 00000013 00000002 00000001 5f70715f2e7800"),          // NegotiateProtocolVersion 3.2, "_pq_.x"
            hex("5a 00000005 49"),                                         // ReadyForQuery idle
            hex("5a 00000005 54"),
            hex("5a 00000005 45"));
        List<Object> messages = feed(channel, feed, frames);
        assertThat(messages).containsExactly(
            new ParameterStatus("server_version", "16.1"),
            new BackendKeyData(12345, new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}),
            new BackendKeyData(7, new byte[32]),
            new BackendKeyData(8, new byte[256]),
            new NegotiateProtocolVersion(2, List.of("_pq_.x")),
            ReadyForQuery.IDLE, ReadyForQuery.IN_TRANSACTION, ReadyForQuery.FAILED_TRANSACTION);
        assertThat(((ReadyForQuery) messages.get(5)).status().wireChar()).isEqualTo('I');
        assertThat(TransactionStatus.FAILED_TRANSACTION.wireChar()).isEqualTo('E');
    }

    @Test
    void backendKeyDataSecretBounds() {
        assertThatThrownBy(() -> channel.writeInbound(hex("4b 0000000b 00003039 deadbe")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("BackendKeyData length: 11 (expected: >= 12)");
        channel = new EmbeddedChannel(new BackendMessageDecoder());
        assertThatThrownBy(() -> channel.writeInbound(hex("4b 00000109 00003039")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("BackendKeyData length: 265 (expected: <= 264)");
    }

    @ParameterizedTest
    @EnumSource(Feed.class)
    void identifySystemResult(Feed feed) {
        ByteBuf frames = Frames.concat(
            frame('T', b -> {
                b.writeShort(4);
                for (String[] column : new String[][] {{"systemid", "25"}, {"timeline", "20"}, {"xlogpos", "25"}, {"dbname", "25"}}) {
                    cString(b, column[0]);
                    b.writeInt(0).writeShort(0).writeInt(Integer.parseInt(column[1])).writeShort(-1).writeInt(-1).writeShort(0);
                }
            }),
            frame('D', b -> {
                b.writeShort(4);
                for (String value : new String[] {"7312345678901234567", "1", "0/3000158", null}) {
                    if (value == null) {
                        b.writeInt(-1);
                    } else {
                        b.writeInt(value.length()).writeBytes(value.getBytes(StandardCharsets.US_ASCII));
                    }
                }
            }),
            hex("43 00000014 4944454e544946595f53595354454d00"), // CommandComplete IDENTIFY_SYSTEM
            hex("5a 00000005 49"));
        List<Object> messages = feed(channel, feed, frames);
        assertThat(messages).hasSize(4);
        RowDescription description = (RowDescription) messages.get(0);
        assertThat(description.names()).containsExactly("systemid", "timeline", "xlogpos", "dbname");
        assertThat(description.fields().get(1)).isEqualTo(new Field("timeline", 0, 0, 20, -1, -1, 0));
        assertThat(description.indexOf("xlogpos")).isEqualTo(2);
        assertThat(description.indexOf("nope")).isEqualTo(-1);
        DataRow row = (DataRow) messages.get(1);
        assertThat(row.size()).isEqualTo(4);
        assertThat(row.text(0)).isEqualTo("7312345678901234567");
        assertThat(row.text(2)).isEqualTo("0/3000158");
        assertThat(row.isNull(3)).isTrue();
        assertThat(row.text(3)).isNull();
        assertThat(row.bytes(3)).isNull();
        assertThat(messages.get(2)).isEqualTo(new CommandComplete("IDENTIFY_SYSTEM"));
        assertThat(messages.get(3)).isSameAs(ReadyForQuery.IDLE);
    }

    @Test
    void rowDescriptionKeepsAllFieldAttributes() {
        ByteBuf frame = frame('T', b -> {
            b.writeShort(1);
            cString(b, "relname");
            b.writeInt(1259).writeShort(2).writeInt(19).writeShort(64).writeInt(-1).writeShort(1);
        });
        RowDescription description = (RowDescription) decodeOne(Feed.ONE_CHUNK, frame);
        assertThat(description.fields()).containsExactly(new Field("relname", 1259, 2, 19, 64, -1, 1));
    }

    @Test
    void dataRowWithEmptyAndBinaryValues() {
        ByteBuf frame = frame('D', b -> b.writeShort(3).writeInt(0).writeInt(2).writeByte(0).writeByte(0xFF).writeInt(-1));
        DataRow row = (DataRow) decodeOne(Feed.ONE_CHUNK, frame);
        assertThat(row).isEqualTo(new DataRow(new byte[0], new byte[] {0, (byte) 0xFF}, null));
        assertThat(row.text(0)).isEmpty();
        byte[] copy = row.bytes(1);
        copy[0] = 9;
        assertThat(row.bytes(1)).containsExactly(0, 0xFF);
    }

    @ParameterizedTest
    @EnumSource(Feed.class)
    void copyResponsesAndCopyData(Feed feed) {
        ByteBuf frames = Frames.concat(
            hex("48 0000000b 01 0002 0001 0000"), // CopyOutResponse, binary, 2 columns
            hex("47 00000009 00 0001 0000"),      // CopyInResponse
            hex("64 00000007 010203"),            // CopyData
            hex("64 00000004"),                   // empty CopyData
            hex("63 00000004"),                   // CopyDone
            hex("49 00000004"),                   // EmptyQueryResponse
            hex("57 00000007 00 0000"));          // CopyBothResponse, text, no columns (what START_REPLICATION sends)
        List<Object> messages = feed(channel, feed, frames);
        try {
            assertThat(messages).hasSize(7);
            assertThat(messages.get(0)).isEqualTo(new CopyOutResponse(1, List.of(1, 0)));
            assertThat(messages.get(1)).isEqualTo(new CopyInResponse(0, List.of(0)));
            assertThat(ByteBufUtil.hexDump(((CopyData) messages.get(2)).content())).isEqualTo("010203");
            assertThat(((CopyData) messages.get(3)).content().readableBytes()).isZero();
            assertThat(messages.get(4)).isSameAs(CopyDone.INSTANCE);
            assertThat(messages.get(5)).isSameAs(EmptyQueryResponse.INSTANCE);
            assertThat(messages.get(6)).isEqualTo(new CopyBothResponse(0, List.of()));
        } finally {
            messages.forEach(ReferenceCountUtil::release);
        }
    }

    @Test
    void oversizedCopyDataFailsRightAfterTheHeader() {
        ByteBuf header = hex("64 7fffffff");
        assertThat(channel.writeInbound(header.readRetainedSlice(4))).isFalse();
        assertThatThrownBy(() -> channel.writeInbound(header))
            .isInstanceOf(ProtocolViolationException.class)
            .isInstanceOf(DecoderException.class)
            .isInstanceOf(PgWalError.class)
            .hasMessage("CopyData length: 2147483647 (expected: <= 1048576)");
        assertThat(header.refCnt()).isZero();
        // Whatever follows is discarded, not buffered: each chunk is released at once and nothing comes out.
        for (int i = 0; i < 64; i++) {
            ByteBuf chunk = Unpooled.wrappedBuffer(new byte[64 * 1024]);
            assertThat(channel.writeInbound(chunk)).isFalse();
            assertThat(chunk.refCnt()).isZero();
        }
        assertThat(channel.writeInbound(hex("5a 00000005 49"))).isFalse();
    }

    @Test
    void oneGigabyteCopyDataFailsWithoutBuffering() {
        assertThatThrownBy(() -> channel.writeInbound(hex("64 40000000")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("CopyData length: 1073741824 (expected: <= 1048576)");
    }

    @Test
    void messagesBeforeAnErrorAreStillDelivered() {
        assertThatThrownBy(() -> channel.writeInbound(Frames.concat(hex("5a 00000005 49"), hex("3f 00000004"))))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("unknown backend message type: '?' (0x3F)");
        assertThat(channel.<Object>readInbound()).isSameAs(ReadyForQuery.IDLE);
    }

    @Test
    void configurableLimits() {
        channel = new EmbeddedChannel(new BackendMessageDecoder(64, 32, true));
        ByteBuf ok = frame('S', b -> {
            cString(b, "a");
            cString(b, "x".repeat(25)); // 4 + "a\0" + 25 + NUL = 32
        });
        assertThat(ok.getInt(1)).isEqualTo(32);
        assertThat(feed(channel, Feed.ONE_CHUNK, ok)).hasSize(1);
        assertThat(feed(channel, Feed.ONE_CHUNK, frame('d', b -> b.writeZero(60)))).hasSize(1).allSatisfy(ReferenceCountUtil::release);
        assertThatThrownBy(() -> channel.writeInbound(hex("53 00000021")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("ParameterStatus length: 33 (expected: <= 32)");
        channel = new EmbeddedChannel(new BackendMessageDecoder(64, 32, true));
        assertThatThrownBy(() -> channel.writeInbound(hex("64 00000041")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("CopyData length: 65 (expected: <= 64)");
        assertThatThrownBy(() -> new BackendMessageDecoder(BackendMessageDecoder.HARD_MAX_LENGTH + 1, 32, true))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackendMessageDecoder(64, 4, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lengthBelowFourIsRefused() {
        assertThatThrownBy(() -> channel.writeInbound(hex("64 00000003")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("CopyData length: 3 (expected: >= 4)");
    }

    @Test
    void negativeLengthIsRefused() {
        assertThatThrownBy(() -> channel.writeInbound(hex("5a ffffffff")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("ReadyForQuery length: -1 (expected: >= 5)");
    }

    @Test
    void fixedLengthMessagesAreChecked() {
        assertThatThrownBy(() -> channel.writeInbound(hex("5a 00000006 4949")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("ReadyForQuery length: 6 (expected: <= 5)");
        channel = new EmbeddedChannel(new BackendMessageDecoder());
        assertThatThrownBy(() -> channel.writeInbound(hex("63 00000005 00")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("CopyDone length: 5 (expected: <= 4)");
    }

    @Test
    void unknownTypeIsNamed() {
        assertThatThrownBy(() -> channel.writeInbound(hex("ff 00000004")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("unknown backend message type: 0xFF");
        // Terminal: even a valid frame afterwards is dropped.
        assertThat(channel.writeInbound(hex("5a 00000005 49"))).isFalse();
    }

    @Test
    void unknownTransactionStatus() {
        assertThatThrownBy(() -> channel.writeInbound(hex("5a 00000005 58")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("ReadyForQuery: unknown transaction status 'X' (0x58)");
    }

    @Test
    void stringWithoutTerminator() {
        assertThatThrownBy(() -> channel.writeInbound(hex("43 00000007 534554")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("CommandComplete: string without terminating NUL");
    }

    @Test
    void bytesAfterTheFields() {
        assertThatThrownBy(() -> channel.writeInbound(hex("53 0000000a 6100 6200 0000")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("ParameterStatus has 2 bytes after its fields (length: 10)");
    }

    @Test
    void dataRowColumnLongerThanTheMessage() {
        assertThatThrownBy(() -> channel.writeInbound(hex("44 0000000b 0001 00000010 414243")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("DataRow is shorter than its fields (length: 11)");
    }

    @Test
    void dataRowNegativeColumnLength() {
        assertThatThrownBy(() -> channel.writeInbound(hex("44 0000000a 0001 fffffffe")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("DataRow: column 0 length: -2 (expected: >= -1)");
    }

    @Test
    void rowDescriptionWithMoreFieldsThanBytes() {
        assertThatThrownBy(() -> channel.writeInbound(hex("54 00000008 ffff 6100")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("RowDescription is shorter than its fields (length: 8)");
    }

    @Test
    void errorResponseWithoutFinalNul() {
        assertThatThrownBy(() -> channel.writeInbound(hex("45 0000000b 53 4552524f5200")))
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("ErrorResponse is shorter than its fields (length: 11)");
    }

    @Test
    void connectionClosedInsideABody() {
        assertThat(channel.writeInbound(hex("64 0000000e 0102"))).isFalse();
        assertThatThrownBy(channel::finish)
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("connection closed inside a CopyData message (received 2 of 10 body bytes)");
    }

    @Test
    void connectionClosedInsideAHeader() {
        assertThat(channel.writeInbound(hex("64 0000"))).isFalse();
        assertThatThrownBy(channel::finish)
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("connection closed inside a message header (received 3 of 5 bytes)");
    }

    @Test
    void connectionClosedRightAfterAHeader() {
        assertThat(channel.writeInbound(hex("64 00000008"))).isFalse();
        assertThatThrownBy(channel::finish)
            .isInstanceOf(ProtocolViolationException.class)
            .hasMessage("connection closed inside a CopyData message (received 0 of 4 body bytes)");
    }

    @Test
    void valueSemantics() {
        assertThat(new ErrorFields(Map.of('M', "x"))).isEqualTo(new ErrorFields(Map.of('M', "x")));
        assertThat(new BackendKeyData(1, new byte[4])).hasSameHashCodeAs(new BackendKeyData(1, new byte[4]));
        assertThatThrownBy(() -> new BackendKeyData(1, new byte[3])).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Authentication.MD5Password(new byte[] {1, 2, 3, 4}).toString()).doesNotContain("[B@");
    }
}
