package io.walstream.protocol.message.backend;

/** The field codes of ErrorResponse and NoticeResponse, as in PostgreSQL's protocol-error-fields documentation. */
public enum ErrorField {
    SEVERITY('S'),
    SEVERITY_NON_LOCALIZED('V'),
    CODE('C'),
    MESSAGE('M'),
    DETAIL('D'),
    HINT('H'),
    POSITION('P'),
    INTERNAL_POSITION('p'),
    INTERNAL_QUERY('q'),
    WHERE('W'),
    SCHEMA_NAME('s'),
    TABLE_NAME('t'),
    COLUMN_NAME('c'),
    DATA_TYPE_NAME('d'),
    CONSTRAINT_NAME('n'),
    FILE('F'),
    LINE('L'),
    ROUTINE('R');

    private final char code;

    ErrorField(char code) {
        this.code = code;
    }

    public char code() {
        return code;
    }

    /** The field for {@code code}, or null for a code this enum does not know (such fields are still kept). */
    public static ErrorField of(char code) {
        for (ErrorField field : values()) {
            if (field.code == code) {
                return field;
            }
        }
        return null;
    }
}
