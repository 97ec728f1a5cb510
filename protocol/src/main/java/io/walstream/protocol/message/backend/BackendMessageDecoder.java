package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.walstream.protocol.ProtocolViolationException;
import java.util.List;

/**
 * Decodes framed backend messages (type byte, Int32 length that includes itself, body) into {@link BackendMessage}s.
 * Lengths are checked as soon as the 5-byte header arrives, so an oversized declaration fails before any body is
 * buffered. After a {@link ProtocolViolationException} the decoder discards all further input: the stream cannot be
 * resynchronized and the connection must be closed.
 *
 * <p>CopyData bodies are passed on as retained slices (no copy). By default, CopyData that arrives between a
 * CopyBothResponse and the server's CopyDone (or an ErrorResponse) is the replication stream and is decoded straight
 * into {@link XLogData} and {@link PrimaryKeepalive}, with no intermediate CopyData object; pass
 * {@code decodeReplicationMessages = false} to receive plain {@link CopyData} and decode it with
 * {@link ReplicationMessageDecoder}.
 */
public final class BackendMessageDecoder extends ByteToMessageDecoder {

    /** No message may declare more than 1 GB, PostgreSQL's own allocation limit. */
    public static final int HARD_MAX_LENGTH = 1 << 30;
    /** XLogData carries at most 128 KiB of WAL; 1 MiB leaves room without letting a peer make us buffer much. */
    public static final int DEFAULT_MAX_COPY_DATA_LENGTH = 1 << 20;
    /** Command results of replication commands (history files, error messages) are small. */
    public static final int DEFAULT_MAX_MESSAGE_LENGTH = 1 << 20;

    private static final int HEADER_LENGTH = 5;

    private enum State { HEADER, BODY, BAD }

    private final int maxCopyDataLength;
    private final int maxMessageLength;
    private final boolean decodeReplicationMessages;
    private State state = State.HEADER;
    private boolean inCopyBoth;
    private BackendMessageType type;
    private int length;

    public BackendMessageDecoder() {
        this(DEFAULT_MAX_COPY_DATA_LENGTH, DEFAULT_MAX_MESSAGE_LENGTH, true);
    }

    /**
     * @param maxCopyDataLength         largest declared length accepted for CopyData
     * @param maxMessageLength          largest declared length accepted for any other message
     * @param decodeReplicationMessages whether CopyData inside CopyBoth becomes XLogData / PrimaryKeepalive here
     */
    public BackendMessageDecoder(int maxCopyDataLength, int maxMessageLength, boolean decodeReplicationMessages) {
        this.maxCopyDataLength = checkMax("maxCopyDataLength", maxCopyDataLength);
        this.maxMessageLength = checkMax("maxMessageLength", maxMessageLength);
        this.decodeReplicationMessages = decodeReplicationMessages;
    }

    private static int checkMax(String name, int value) {
        if (value < HEADER_LENGTH || value > HARD_MAX_LENGTH) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + HEADER_LENGTH + ".." + HARD_MAX_LENGTH + ")");
        }
        return value;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.BAD) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            if (state == State.HEADER) {
                if (in.readableBytes() < HEADER_LENGTH) {
                    return;
                }
                type = typeOf(in.readByte());
                length = checkLength(type, in.readInt());
                state = State.BODY;
            }
            int bodyLength = length - 4;
            if (in.readableBytes() < bodyLength) {
                return;
            }
            out.add(decodeBody(type, in, bodyLength));
            state = State.HEADER;
        } catch (ProtocolViolationException e) {
            state = State.BAD;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    /** At end of input, a partly received message is an error rather than silently dropped. */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.BAD) {
            in.skipBytes(in.readableBytes());
        } else if (state == State.BODY) {
            int received = in.readableBytes();
            state = State.BAD;
            in.skipBytes(received);
            throw new ProtocolViolationException("connection closed inside a " + type.displayName + " message (received "
                + received + " of " + (length - 4) + " body bytes)");
        } else if (in.isReadable()) {
            int received = in.readableBytes();
            state = State.BAD;
            in.skipBytes(received);
            throw new ProtocolViolationException("connection closed inside a message header (received " + received + " of 5 bytes)");
        }
    }

    private static BackendMessageType typeOf(byte b) {
        BackendMessageType type = BackendMessageType.of(b);
        if (type == null) {
            throw new ProtocolViolationException("unknown backend message type: " + Decoding.describeByte(b));
        }
        return type;
    }

    private int checkLength(BackendMessageType type, int declared) {
        int max = Math.min(type.maxLength, type == BackendMessageType.COPY_DATA ? maxCopyDataLength : maxMessageLength);
        if (declared < type.minLength) {
            throw new ProtocolViolationException(type.displayName + " length: " + declared + " (expected: >= " + type.minLength + ")");
        }
        if (declared > max) {
            throw new ProtocolViolationException(type.displayName + " length: " + declared + " (expected: <= " + max + ")");
        }
        return declared;
    }

    private Object decodeBody(BackendMessageType type, ByteBuf in, int bodyLength) {
        switch (type) {
            case COPY_DATA:
                if (inCopyBoth && decodeReplicationMessages) {
                    BackendMessage message = ReplicationMessageDecoder.decode(in, in.readerIndex(), bodyLength);
                    in.skipBytes(bodyLength);
                    return message;
                }
                return new CopyData(in.readRetainedSlice(bodyLength));
            case COPY_DONE:
                inCopyBoth = false;
                return CopyDone.INSTANCE;
            case EMPTY_QUERY_RESPONSE:
                return EmptyQueryResponse.INSTANCE;
            default:
                break;
        }
        ByteBuf body = in.readSlice(bodyLength);
        BackendMessage message;
        try {
            message = switch (type) {
                case AUTHENTICATION -> Authentication.decode(body);
                case BACKEND_KEY_DATA -> BackendKeyData.decode(body);
                case COMMAND_COMPLETE -> CommandComplete.decode(body);
                case COPY_BOTH_RESPONSE -> CopyBothResponse.decode(body);
                case COPY_IN_RESPONSE -> CopyInResponse.decode(body);
                case COPY_OUT_RESPONSE -> CopyOutResponse.decode(body);
                case DATA_ROW -> DataRow.decode(body);
                case ERROR_RESPONSE -> ErrorResponse.decode(body);
                case NEGOTIATE_PROTOCOL_VERSION -> NegotiateProtocolVersion.decode(body);
                case NOTICE_RESPONSE -> NoticeResponse.decode(body);
                case PARAMETER_STATUS -> ParameterStatus.decode(body);
                case READY_FOR_QUERY -> ReadyForQuery.decode(body);
                case ROW_DESCRIPTION -> RowDescription.decode(body);
                default -> throw new AssertionError(type);
            };
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolViolationException(type.displayName + " is shorter than its fields (length: " + (bodyLength + 4) + ")", e);
        }
        if (body.isReadable()) {
            throw new ProtocolViolationException(type.displayName + " has " + body.readableBytes()
                + " bytes after its fields (length: " + (bodyLength + 4) + ")");
        }
        if (type == BackendMessageType.COPY_BOTH_RESPONSE) {
            inCopyBoth = true;
        } else if (type == BackendMessageType.ERROR_RESPONSE) {
            inCopyBoth = false; // the server abandoned the copy
        }
        return message;
    }
}
