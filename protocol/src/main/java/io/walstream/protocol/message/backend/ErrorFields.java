package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** The fields of an ErrorResponse or NoticeResponse in wire order, including codes unknown to {@link ErrorField}. */
public final class ErrorFields {

    private final Map<Character, String> fields;

    public ErrorFields(Map<Character, String> fields) {
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    static ErrorFields decode(ByteBuf body, String messageName) {
        Map<Character, String> fields = new LinkedHashMap<>();
        for (byte code = body.readByte(); code != 0; code = body.readByte()) {
            fields.put((char) (code & 0xFF), Decoding.cString(body, messageName));
        }
        return new ErrorFields(fields);
    }

    public String get(ErrorField field) {
        return fields.get(field.code());
    }

    public String get(char code) {
        return fields.get(code);
    }

    /** Every field by its code, in wire order. */
    public Map<Character, String> asMap() {
        return fields;
    }

    /** Localized severity (S). */
    public String severity() {
        return get(ErrorField.SEVERITY);
    }

    /** SQLSTATE (C). */
    public String sqlState() {
        return get(ErrorField.CODE);
    }

    /** Primary message (M). */
    public String message() {
        return get(ErrorField.MESSAGE);
    }

    public String detail() {
        return get(ErrorField.DETAIL);
    }

    public String hint() {
        return get(ErrorField.HINT);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErrorFields other && fields.equals(other.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
