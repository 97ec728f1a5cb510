package io.walstream.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.message.backend.ErrorFields;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class PgServerExceptionTest {

    private static ErrorFields fields(String severity, String code, String message) {
        Map<Character, String> map = new LinkedHashMap<>();
        map.put('S', severity);
        map.put('V', severity);
        map.put('C', code);
        map.put('M', message);
        return new ErrorFields(map);
    }

    @Test
    void mapsSqlStatesToSubclasses() {
        assertThat(PgServerException.of(fields("FATAL", "28P01", "password authentication failed for user \"u\"")))
            .isInstanceOf(PgAuthenticationException.class);
        assertThat(PgServerException.of(fields("FATAL", "28000", "no pg_hba.conf entry"))).isInstanceOf(PgAuthenticationException.class);
        assertThat(PgServerException.of(fields("ERROR", "42704", "replication slot \"s\" does not exist")))
            .isInstanceOf(PgUndefinedObjectException.class);
        assertThat(PgServerException.of(fields("ERROR", "42710", "replication slot \"s\" already exists")))
            .isInstanceOf(PgDuplicateObjectException.class);
        assertThat(PgServerException.of(fields("ERROR", "55006", "replication slot \"s\" is active for PID 42")))
            .isInstanceOf(PgObjectInUseException.class);
        assertThat(PgServerException.of(fields("ERROR", "58P01", "requested WAL segment has already been removed")))
            .isExactlyInstanceOf(PgServerException.class);
        assertThat(PgServerException.of(new ErrorFields(Map.of('M', "no code")))).isExactlyInstanceOf(PgServerException.class);
    }

    @Test
    void carriesAllFieldsAndAOneLineMessage() {
        Map<Character, String> map = new LinkedHashMap<>();
        map.put('S', "FEHLER");
        map.put('V', "ERROR");
        map.put('C', "58P01");
        map.put('M', "requested WAL segment 000000010000000000000001 has already been removed");
        map.put('D', "some detail");
        map.put('H', "some hint");
        map.put('F', "walsender.c");
        PgServerException e = PgServerException.of(new ErrorFields(map));
        assertThat(e).hasMessage("ERROR: requested WAL segment 000000010000000000000001 has already been removed"
            + " Detail: some detail Hint: some hint (SQLSTATE 58P01)");
        assertThat(e.sqlState()).isEqualTo(SqlState.UNDEFINED_FILE);
        assertThat(e.severity()).isEqualTo("FEHLER");
        assertThat(e.detail()).isEqualTo("some detail");
        assertThat(e.hint()).isEqualTo("some hint");
        assertThat(e.serverMessage()).startsWith("requested WAL segment");
        assertThat(e.fields().get('F')).isEqualTo("walsender.c");
        assertThat(e).isInstanceOf(PgWalError.class);
        assertThat(SqlState.isClass("28P01", "28")).isTrue();
        assertThat(SqlState.isClass("2", "28")).isFalse();
    }
}
