package io.walstream.protocol.message.backend;

/** Type bytes of the framed backend messages this decoder accepts, with their fixed length bounds (length includes itself). */
enum BackendMessageType {
    AUTHENTICATION('R', "Authentication", 8, Integer.MAX_VALUE),
    BACKEND_KEY_DATA('K', "BackendKeyData", 4 + 4 + BackendKeyData.MIN_SECRET_LENGTH, 4 + 4 + BackendKeyData.MAX_SECRET_LENGTH),
    COMMAND_COMPLETE('C', "CommandComplete", 5, Integer.MAX_VALUE),
    COPY_BOTH_RESPONSE('W', "CopyBothResponse", 7, Integer.MAX_VALUE),
    COPY_DATA('d', "CopyData", 4, Integer.MAX_VALUE),
    COPY_DONE('c', "CopyDone", 4, 4),
    COPY_IN_RESPONSE('G', "CopyInResponse", 7, Integer.MAX_VALUE),
    COPY_OUT_RESPONSE('H', "CopyOutResponse", 7, Integer.MAX_VALUE),
    DATA_ROW('D', "DataRow", 6, Integer.MAX_VALUE),
    EMPTY_QUERY_RESPONSE('I', "EmptyQueryResponse", 4, 4),
    ERROR_RESPONSE('E', "ErrorResponse", 5, Integer.MAX_VALUE),
    NEGOTIATE_PROTOCOL_VERSION('v', "NegotiateProtocolVersion", 12, Integer.MAX_VALUE),
    NOTICE_RESPONSE('N', "NoticeResponse", 5, Integer.MAX_VALUE),
    PARAMETER_STATUS('S', "ParameterStatus", 6, Integer.MAX_VALUE),
    READY_FOR_QUERY('Z', "ReadyForQuery", 5, 5),
    ROW_DESCRIPTION('T', "RowDescription", 6, Integer.MAX_VALUE);

    private static final BackendMessageType[] BY_BYTE = new BackendMessageType[128];

    static {
        for (BackendMessageType type : values()) {
            BY_BYTE[type.wireByte] = type;
        }
    }

    final byte wireByte;
    final String displayName;
    final int minLength;
    final int maxLength;

    BackendMessageType(char wireByte, String displayName, int minLength, int maxLength) {
        this.wireByte = (byte) wireByte;
        this.displayName = displayName;
        this.minLength = minLength;
        this.maxLength = maxLength;
    }

    /** The type for {@code b}, or null if there is none. */
    static BackendMessageType of(byte b) {
        return b >= 0 ? BY_BYTE[b] : null;
    }
}
