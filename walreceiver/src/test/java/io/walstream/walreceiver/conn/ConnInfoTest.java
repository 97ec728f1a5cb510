package io.walstream.walreceiver.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnInfoTest {

    /** Distinctive, so that a leak into any message is easy to spot. */
    static final String SECRET = "Zq7-xyzzy";

    @Nested
    class KeywordValue {

        @Test
        void plainPairsInOrder() {
            assertThat(ConnInfo.parse("host=db1 port=5433 user=rep dbname=replication").values())
                    .containsExactly(entry("host", "db1"), entry("port", "5433"), entry("user", "rep"),
                            entry("dbname", "replication"));
        }

        @Test
        void emptyStringHasNoValues() {
            assertThat(ConnInfo.parse("").values()).isEmpty();
            assertThat(ConnInfo.parse("  \t\n ").values()).isEmpty();
        }

        @Test
        void whitespaceAroundEqualsAndBetweenPairs() {
            assertThat(ConnInfo.parse("  host = db1\tport=\t5433\n user =rep  ").values())
                    .containsExactly(entry("host", "db1"), entry("port", "5433"), entry("user", "rep"));
        }

        @Test
        void quotedValueWithEscapedQuoteAndBackslash() {
            assertThat(ConnInfo.parse("password='it\\'s a \\\\ secret' user=rep").values())
                    .containsExactly(entry("password", "it's a \\ secret"), entry("user", "rep"));
        }

        @Test
        void quotedValueKeepsSpacesAndEquals() {
            assertThat(ConnInfo.parse("options='-c search_path=a,b  -c x=y'").get("options"))
                    .contains("-c search_path=a,b  -c x=y");
        }

        @Test
        void unquotedValueUsesBackslashEscapes() {
            assertThat(ConnInfo.parse("password=a\\ b\\\\c\\'d user=rep").values())
                    .containsExactly(entry("password", "a b\\c'd"), entry("user", "rep"));
        }

        @Test
        void doubledQuoteIsNotAnEscape() {
            // libpq ends the value at the second quote; what follows is no keyword=value.
            assertThatThrownBy(() -> ConnInfo.parse("password='it''s'"))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessage("missing \"=\" at position 14, after the password value"
                            + " (quote values that contain spaces, and write a quote inside quotes as \\')");
        }

        @Test
        void emptyQuotedValueIsAllowed() {
            assertThat(ConnInfo.parse("password='' user=rep").values())
                    .containsExactly(entry("password", ""), entry("user", "rep"));
        }

        @Test
        void emptyUnquotedValueOnlyAtTheEnd() {
            assertThat(ConnInfo.parse("port=5432 host=").values())
                    .containsExactly(entry("port", "5432"), entry("host", ""));
            // Like libpq: blanks after '=' are skipped, so the next pair becomes the value.
            assertThat(ConnInfo.parse("host= port=5432").values()).containsExactly(entry("host", "port=5432"));
        }

        @Test
        void quotedValueNeedsNoSpaceBeforeTheNextKeyword() {
            assertThat(ConnInfo.parse("host='db1'port=5433").values())
                    .containsExactly(entry("host", "db1"), entry("port", "5433"));
        }

        @Test
        void repeatedKeywordKeepsTheLastValue() {
            assertThat(ConnInfo.parse("port=1 host=a port=2").values())
                    .containsExactly(entry("host", "a"), entry("port", "2"));
        }

        @Test
        void unknownKeywordIsRejectedLikeLibpq() {
            assertThatThrownBy(() -> ConnInfo.parse("host=a x=1"))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessage("invalid connection option \"x\"");
        }

        @Test
        void missingEqualsNamesTheWordAndPosition() {
            assertThatThrownBy(() -> ConnInfo.parse("host=a foo"))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessage("missing \"=\" after \"foo\" in connection info string (position 8)");
            assertThatThrownBy(() -> ConnInfo.parse("host localhost"))
                    .hasMessage("missing \"=\" after \"host\" in connection info string (position 1)");
        }

        @Test
        void unterminatedQuoteIsRejected() {
            assertThatThrownBy(() -> ConnInfo.parse("host='db1"))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessage("unterminated quoted string in connection info string");
        }

        @Test
        void requiresslMapsToSslmodeLikeLibpq() {
            assertThat(ConnInfo.parse("requiressl=1").values()).containsExactly(entry("sslmode", "require"));
            assertThat(ConnInfo.parse("requiressl=0").values()).containsExactly(entry("sslmode", "prefer"));
        }

        @Test
        void uppercaseUriPrefixIsNotAUri() {
            // libpq compares the prefix case-sensitively.
            assertThatThrownBy(() -> ConnInfo.parse("POSTGRESQL://host/db"))
                    .hasMessageStartingWith("missing \"=\" after \"POSTGRESQL://host/db\"");
        }

        @Test
        void everyLibpqKeywordWeSupportIsAccepted() {
            String all = "host=h hostaddr=127.0.0.1 port=5432 user=u password=p passfile=/f dbname=d"
                    + " application_name=a fallback_application_name=f connect_timeout=3 sslmode=require"
                    + " sslrootcert=/r sslcert=/c sslkey=/k channel_binding=require options=-cx=y keepalives=1"
                    + " keepalives_idle=10 keepalives_interval=5 keepalives_count=3 tcp_user_timeout=1000"
                    + " target_session_attrs=any replication=true gssencmode=disable sslnegotiation=postgres";
            assertThat(ConnInfo.parse(all).values()).hasSize(25);
        }
    }

    @Nested
    class Values {

        @ParameterizedTest
        @ValueSource(strings = {"true", "on", "yes", "1", "TRUE", "On"})
        void physicalReplicationValuesAreAccepted(String value) {
            assertThat(ConnInfo.parse("replication=" + value).get("replication")).contains(value);
        }

        @Test
        void logicalReplicationIsRejected() {
            assertThatThrownBy(() -> ConnInfo.parse("replication=database"))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessage("replication=database (logical replication) is not supported:"
                            + " walstream opens physical replication connections only");
        }

        @ParameterizedTest
        @ValueSource(strings = {"false", "off", "0", "maybe"})
        void nonReplicationValuesAreRejected(String value) {
            assertThatThrownBy(() -> ConnInfo.parse("replication=" + value))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessageStartingWith("invalid replication value: \"" + value + "\"");
        }

        @Test
        void serviceIsNotSupported() {
            assertThatThrownBy(() -> ConnInfo.parse("service=prod"))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessageStartingWith("service files are not supported");
        }

        @Test
        void badSslmode() {
            assertThatThrownBy(() -> ConnInfo.parse("sslmode=verify_full"))
                    .hasMessage("invalid sslmode value: \"verify_full\"");
        }

        @Test
        void badChannelBinding() {
            assertThatThrownBy(() -> ConnInfo.parse("channel_binding=always"))
                    .hasMessage("invalid channel_binding value: \"always\"");
        }

        @Test
        void badPorts() {
            assertThatThrownBy(() -> ConnInfo.parse("port=54x"))
                    .hasMessage("invalid integer value \"54x\" for connection option \"port\"");
            assertThatThrownBy(() -> ConnInfo.parse("port=70000"))
                    .hasMessage("invalid port number: \"70000\"");
            assertThatThrownBy(() -> ConnInfo.parse("port=5432,0"))
                    .hasMessage("invalid port number: \"0\"");
            assertThat(ConnInfo.parse("port=5432,,5433").get("port")).contains("5432,,5433");
        }

        @Test
        void integerKeywords() {
            assertThatThrownBy(() -> ConnInfo.parse("connect_timeout=ten"))
                    .hasMessage("invalid integer value \"ten\" for connection option \"connect_timeout\"");
            assertThatThrownBy(() -> ConnInfo.parse("keepalives_idle=1.5"))
                    .hasMessage("invalid integer value \"1.5\" for connection option \"keepalives_idle\"");
            assertThat(ConnInfo.parse("connect_timeout=-1").get("connect_timeout")).contains("-1");
        }

        @Test
        void gssEncryptionCannotBeRequired() {
            assertThatThrownBy(() -> ConnInfo.parse("gssencmode=require"))
                    .hasMessage("gssencmode value \"require\" invalid when GSSAPI support is not compiled in");
            assertThatThrownBy(() -> ConnInfo.parse("gssencmode=maybe"))
                    .hasMessage("invalid gssencmode value: \"maybe\"");
        }

        @Test
        void enumeratedKeywords() {
            assertThatThrownBy(() -> ConnInfo.parse("target_session_attrs=master"))
                    .hasMessage("invalid target_session_attrs value: \"master\"");
            assertThatThrownBy(() -> ConnInfo.parse("sslnegotiation=tls"))
                    .hasMessage("invalid sslnegotiation value: \"tls\"");
        }

        @Test
        void ofChecksKeywordsAndValuesAndSkipsNulls() {
            Map<String, String> flags = new LinkedHashMap<>();
            flags.put("host", "db1");
            flags.put("port", null);
            assertThat(ConnInfo.of(flags).values()).containsExactly(entry("host", "db1"));
            assertThatThrownBy(() -> ConnInfo.of(Map.of("hots", "db1")))
                    .hasMessage("invalid connection option \"hots\"");
            assertThatThrownBy(() -> ConnInfo.of(Map.of("replication", "database")))
                    .hasMessageStartingWith("replication=database");
        }
    }

    @Nested
    class Uri {

        @Test
        void fullUri() {
            assertThat(ConnInfo.parse("postgresql://rep:pw@db.example.com:5433/mydb?application_name=x&sslmode=verify-full")
                    .values())
                    .containsExactly(entry("user", "rep"), entry("password", "pw"), entry("host", "db.example.com"),
                            entry("port", "5433"), entry("dbname", "mydb"), entry("application_name", "x"),
                            entry("sslmode", "verify-full"));
        }

        @Test
        void shortScheme() {
            assertThat(ConnInfo.parse("postgres://db1/x").values())
                    .containsExactly(entry("host", "db1"), entry("dbname", "x"));
        }

        @Test
        void bareSchemeHasNoValues() {
            assertThat(ConnInfo.parse("postgresql://").values()).isEmpty();
            assertThat(ConnInfo.parse("postgresql:///").values()).isEmpty();
        }

        @Test
        void userWithoutPasswordAndEmptyPieces() {
            assertThat(ConnInfo.parse("postgresql://rep@db1/").values())
                    .containsExactly(entry("user", "rep"), entry("host", "db1"));
            assertThat(ConnInfo.parse("postgresql://:pw@db1").values())
                    .containsExactly(entry("password", "pw"), entry("host", "db1"));
        }

        @Test
        void multipleHostsWithAndWithoutPorts() {
            assertThat(ConnInfo.parse("postgresql://h1:5433,h2,h3:5435/db").values())
                    .containsExactly(entry("host", "h1,h2,h3"), entry("port", "5433,,5435"), entry("dbname", "db"));
        }

        @Test
        void ipv6Literals() {
            assertThat(ConnInfo.parse("postgresql://[::1]:5433,[fe80::1%25eth0]/db").values())
                    .containsExactly(entry("host", "::1,fe80::1%eth0"), entry("port", "5433,"), entry("dbname", "db"));
            assertThat(ConnInfo.parse("postgresql://[2001:db8::7]").values())
                    .containsExactly(entry("host", "2001:db8::7"));
            assertThat(ConnInfo.parse("postgresql://[::1]?sslmode=disable").values())
                    .containsExactly(entry("host", "::1"), entry("sslmode", "disable"));
        }

        @Test
        void ipv6Errors() {
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://[::1/db"))
                    .hasMessage("end of string reached when looking for matching \"]\" in IPv6 host address in URI");
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://[]/db"))
                    .hasMessage("IPv6 host address may not be empty in URI");
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://[::1]x/db"))
                    .hasMessage("unexpected character \"x\" at position 19 in URI (expected \":\" or \"/\")");
        }

        @Test
        void percentEncodedPasswordWithAtColonAndSlash() {
            ConnInfo info = ConnInfo.parse("postgresql://rep:p%40ss%3Aw%2Frd@db1/db");
            assertThat(info.get("user")).contains("rep");
            assertThat(info.get("password")).contains("p@ss:w/rd");
            assertThat(info.get("host")).contains("db1");
        }

        @Test
        void percentDecodingEverywhereButPlusStaysPlus() {
            assertThat(ConnInfo.parse("postgresql://r%65p@d%62/my%20db?application_name=a+b%2Bc%C3%A9").values())
                    .containsExactly(entry("user", "rep"), entry("host", "db"), entry("dbname", "my db"),
                            entry("application_name", "a+b+cé"));
        }

        @Test
        void unixSocketDirectoryAsQueryParameterOrEncodedHost() {
            assertThat(ConnInfo.parse("postgresql:///db?host=/var/run/postgresql").values())
                    .containsExactly(entry("dbname", "db"), entry("host", "/var/run/postgresql"));
            assertThat(ConnInfo.parse("postgresql://%2Fvar%2Frun%2Fpostgresql/db").values())
                    .containsExactly(entry("host", "/var/run/postgresql"), entry("dbname", "db"));
        }

        @Test
        void queryParametersOverrideTheAuthority() {
            ConnInfo info = ConnInfo.parse("postgresql://u@h1:5432/db?port=6000&host=h2&user=v&dbname=other");
            assertThat(info.values()).containsOnly(entry("user", "v"), entry("host", "h2"), entry("port", "6000"),
                    entry("dbname", "other"));
        }

        @Test
        void jdbcStyleSslTrue() {
            assertThat(ConnInfo.parse("postgresql://h?ssl=true").get("sslmode")).contains("require");
        }

        @Test
        void trailingAmpersandAndEmptyQuery() {
            assertThat(ConnInfo.parse("postgresql://h/db?").values())
                    .containsExactly(entry("host", "h"), entry("dbname", "db"));
            assertThat(ConnInfo.parse("postgresql://h?port=1&").values())
                    .containsExactly(entry("host", "h"), entry("port", "1"));
        }

        @Test
        void queryErrors() {
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://h?foo=1"))
                    .hasMessage("invalid URI query parameter: \"foo\"");
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://h?port"))
                    .hasMessage("missing key/value separator \"=\" in URI query parameter: \"port\"");
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://h?port=1=2"))
                    .hasMessage("extra key/value separator \"=\" in URI query parameter: \"port\"");
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://h?replication=database"))
                    .hasMessageStartingWith("replication=database");
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://h:port/db"))
                    .hasMessage("invalid integer value \"port\" for connection option \"port\"");
        }

        @Test
        void percentEncodingErrors() {
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://h/d%zzb"))
                    .hasMessage("invalid percent-encoded token in URI dbname: \"d%zzb\"");
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://h/db%4"))
                    .hasMessage("invalid percent-encoded token in URI dbname: \"db%4\"");
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://h/d%00b"))
                    .hasMessage("forbidden value %00 in percent-encoded URI dbname: \"d%00b\"");
        }
    }

    @Nested
    class Secrecy {

        @Test
        void toStringRedactsThePassword() {
            ConnInfo info = ConnInfo.parse("host=h password=" + SECRET);
            assertThat(info.toString()).isEqualTo("ConnInfo{host=h, password=<redacted>}").doesNotContain(SECRET);
        }

        @ParameterizedTest
        @ValueSource(strings = {
            // a space in an unquoted password leaves the rest looking like a keyword
            "host=h password=abc " + SECRET,
            "host=h password=abc " + SECRET + "=1",
            "host=h password=abc " + SECRET + " =1",
            // malformed percent-encoding inside the password
            "postgresql://rep:" + SECRET + "%zz@h/db",
            "postgresql://rep:" + SECRET + "%00@h/db",
            "postgresql://h/db?password=" + SECRET + "%4",
            // an unencoded '&' splits the password parameter
            "postgresql://h/db?password=abc&" + SECRET,
            "postgresql://h/db?password=abc&" + SECRET + "=1",
            "postgresql://h/db?password=abc&" + SECRET + "=1=2",
            "password='" + SECRET,
            "password='it''" + SECRET + "'",
            "password='it'" + SECRET + "=1",
        })
        void noErrorMessageContainsThePassword(String conninfo) {
            assertThatThrownBy(() -> ConnInfo.parse(conninfo))
                    .isInstanceOf(ConnInfoException.class)
                    .message().doesNotContain(SECRET).doesNotContain("xyzzy");
        }

        @Test
        void errorAfterUnquotedPasswordSaysWhereAndWhy() {
            assertThatThrownBy(() -> ConnInfo.parse("password=abc " + SECRET))
                    .hasMessage("missing \"=\" at position 14, after the password value"
                            + " (quote values that contain spaces, and write a quote inside quotes as \\')");
            assertThatThrownBy(() -> ConnInfo.parse("postgresql://h?password=abc&" + SECRET))
                    .hasMessage("missing key/value separator \"=\" in URI query parameter at position 29,"
                            + " after the password parameter (percent-encode '&' as %26)");
        }
    }
}
