package io.walstream.walreceiver;

import io.walstream.protocol.SqlState;
import io.walstream.protocol.message.backend.ErrorField;
import io.walstream.protocol.message.backend.ErrorFields;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What to do about the server errors a replication client meets first. The server sends no hint
 * for these, so the one line a user sees would say what failed but not what to do; the client's
 * hint is marked as such and never replaces one from the server.
 */
final class ErrorHints {

    private ErrorHints() {
    }

    /** {@code fields} with a client hint added for startup and authentication failures we know. */
    static ErrorFields forStartup(ErrorFields fields) {
        if (fields.hint() != null || fields.sqlState() == null) {
            return fields;
        }
        String hint = switch (fields.sqlState()) {
            case SqlState.INVALID_PASSWORD -> "check the password for this user (password=, PGPASSWORD or the"
                    + " password file ~/.pgpass)";
            case SqlState.INVALID_AUTHORIZATION_SPECIFICATION -> fields.message() != null
                    && fields.message().contains("pg_hba.conf")
                    ? "physical replication needs its own pg_hba.conf line: host replication USER ADDRESS scram-sha-256"
                    : null;
            default -> null;
        };
        return withHint(fields, hint);
    }

    /** {@code fields} with a client hint added for START_REPLICATION failures we know. */
    static ErrorFields forStartReplication(ErrorFields fields) {
        if (fields.hint() != null || fields.sqlState() == null) {
            return fields;
        }
        String hint = switch (fields.sqlState()) {
            case SqlState.UNDEFINED_OBJECT -> "create the slot first (CREATE_REPLICATION_SLOT, or"
                    + " walstream receive --create-slot), or stream without a slot";
            case SqlState.UNDEFINED_FILE -> "the server no longer has that WAL; start at its current position"
                    + " (IDENTIFY_SYSTEM) and use a replication slot so that it keeps WAL until it is received";
            case SqlState.OBJECT_IN_USE -> "another client streams from this slot; stop it or use another slot";
            default -> null;
        };
        return withHint(fields, hint);
    }

    private static ErrorFields withHint(ErrorFields fields, String hint) {
        if (hint == null) {
            return fields;
        }
        Map<Character, String> withHint = new LinkedHashMap<>(fields.asMap());
        withHint.put(ErrorField.HINT.code(), "(walstream) " + hint);
        return new ErrorFields(withHint);
    }
}
