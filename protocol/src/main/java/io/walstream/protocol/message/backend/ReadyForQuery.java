package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.walstream.protocol.ProtocolViolationException;
import java.util.Objects;

/** ReadyForQuery ({@code 'Z'}): the server waits for the next command. */
public record ReadyForQuery(TransactionStatus status) implements BackendMessage {

    public static final ReadyForQuery IDLE = new ReadyForQuery(TransactionStatus.IDLE);
    public static final ReadyForQuery IN_TRANSACTION = new ReadyForQuery(TransactionStatus.IN_TRANSACTION);
    public static final ReadyForQuery FAILED_TRANSACTION = new ReadyForQuery(TransactionStatus.FAILED_TRANSACTION);

    /** Backend transaction status, with its wire character. */
    public enum TransactionStatus {
        IDLE('I'), IN_TRANSACTION('T'), FAILED_TRANSACTION('E');

        private final char wireChar;

        TransactionStatus(char wireChar) {
            this.wireChar = wireChar;
        }

        public char wireChar() {
            return wireChar;
        }
    }

    public ReadyForQuery {
        Objects.requireNonNull(status, "status");
    }

    static ReadyForQuery decode(ByteBuf body) {
        byte b = body.readByte();
        return switch (b) {
            case 'I' -> IDLE;
            case 'T' -> IN_TRANSACTION;
            case 'E' -> FAILED_TRANSACTION;
            default -> throw new ProtocolViolationException("ReadyForQuery: unknown transaction status " + Decoding.describeByte(b));
        };
    }
}
