package io.walstream.protocol;

import io.walstream.protocol.message.backend.ErrorField;
import io.walstream.protocol.message.backend.ErrorFields;
import java.util.Objects;

/**
 * An ErrorResponse from the server, with every field it sent. {@link #of} picks the subclass for the few
 * SQLSTATEs callers handle differently.
 */
public class PgServerException extends PgWalException {

    private static final long serialVersionUID = 1L;

    private final transient ErrorFields fields;

    public PgServerException(ErrorFields fields) {
        super(describe(fields));
        this.fields = Objects.requireNonNull(fields, "fields");
    }

    /** The exception for {@code fields}: a subclass for authentication failures and slot-relevant codes. */
    public static PgServerException of(ErrorFields fields) {
        String sqlState = fields.sqlState();
        if (SqlState.isClass(sqlState, SqlState.CLASS_INVALID_AUTHORIZATION)) {
            return new PgAuthenticationException(fields);
        }
        if (sqlState == null) {
            return new PgServerException(fields);
        }
        return switch (sqlState) {
            case SqlState.UNDEFINED_OBJECT -> new PgUndefinedObjectException(fields);
            case SqlState.DUPLICATE_OBJECT -> new PgDuplicateObjectException(fields);
            case SqlState.OBJECT_IN_USE -> new PgObjectInUseException(fields);
            default -> new PgServerException(fields);
        };
    }

    private static String describe(ErrorFields fields) {
        StringBuilder sb = new StringBuilder();
        String severity = fields.get(ErrorField.SEVERITY_NON_LOCALIZED) != null ? fields.get(ErrorField.SEVERITY_NON_LOCALIZED) : fields.severity();
        sb.append(severity == null ? "ERROR" : severity).append(": ").append(fields.message() == null ? "(no message)" : fields.message());
        if (fields.detail() != null) {
            sb.append(" Detail: ").append(fields.detail());
        }
        if (fields.hint() != null) {
            sb.append(" Hint: ").append(fields.hint());
        }
        if (fields.sqlState() != null) {
            sb.append(" (SQLSTATE ").append(fields.sqlState()).append(')');
        }
        return sb.toString();
    }

    public ErrorFields fields() {
        return fields;
    }

    public String sqlState() {
        return fields.sqlState();
    }

    /** Localized severity (S), e.g. ERROR, FATAL, PANIC. */
    public String severity() {
        return fields.severity();
    }

    /** The primary message (M) alone. */
    public String serverMessage() {
        return fields.message();
    }

    public String detail() {
        return fields.detail();
    }

    public String hint() {
        return fields.hint();
    }
}
