package io.walstream.protocol.message.backend;

/** A message sent by the server: a framed message or a CopyBoth sub-message carried in CopyData. */
public sealed interface BackendMessage
    permits Authentication, BackendKeyData, CommandComplete, CopyBothResponse, CopyData, CopyDone, CopyInResponse,
    CopyOutResponse, DataRow, EmptyQueryResponse, ErrorResponse, NegotiateProtocolVersion, NoticeResponse,
    ParameterStatus, PrimaryKeepalive, ReadyForQuery, RowDescription, SslResponse, XLogData {
}
