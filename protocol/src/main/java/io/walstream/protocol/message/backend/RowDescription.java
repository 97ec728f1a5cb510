package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** RowDescription ({@code 'T'}): the columns of the rows that follow. */
public record RowDescription(List<Field> fields) implements BackendMessage {

    /** One column; {@code tableOid} and {@code columnNumber} are 0 when it is not a table column. */
    public record Field(String name, int tableOid, int columnNumber, int typeOid, int typeSize, int typeModifier, int format) {
        public Field {
            Objects.requireNonNull(name, "name");
        }
    }

    public RowDescription {
        fields = List.copyOf(fields);
    }

    static RowDescription decode(ByteBuf body) {
        int count = body.readUnsignedShort();
        List<Field> fields = new ArrayList<>(Math.min(count, body.readableBytes() / 19));
        for (int i = 0; i < count; i++) {
            fields.add(new Field(Decoding.cString(body, "RowDescription"), body.readInt(), body.readShort(), body.readInt(),
                body.readShort(), body.readInt(), body.readShort()));
        }
        return new RowDescription(fields);
    }

    /** The position of the first column called {@code name}, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public List<String> names() {
        return fields.stream().map(Field::name).toList();
    }
}
