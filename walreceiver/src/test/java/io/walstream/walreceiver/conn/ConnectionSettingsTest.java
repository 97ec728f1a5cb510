package io.walstream.walreceiver.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectionSettingsTest {

    static final String SECRET = "Zq7-xyzzy";

    @TempDir
    Path home;

    private ConnectionSettings resolve(String conninfo) {
        return resolve(conninfo, Map.of(), Map.of());
    }

    private ConnectionSettings resolve(String conninfo, Map<String, String> overrides, Map<String, String> env) {
        return ConnectionSettings.resolve(conninfo, overrides, env, home, "osuser");
    }

    @Nested
    class Defaults {

        @Test
        void nothingGiven() {
            ConnectionSettings settings = resolve(null);
            assertThat(settings.hosts()).containsExactly(new HostPort("localhost", 5432));
            assertThat(settings.user()).isEqualTo("osuser");
            assertThat(settings.password()).isNull();
            assertThat(settings.passfile()).isEqualTo(home.resolve(".pgpass"));
            assertThat(settings.dbname()).isEqualTo("replication");
            assertThat(settings.applicationName()).isEqualTo("walstream");
            assertThat(settings.sslMode()).isEqualTo(SslMode.PREFER);
            assertThat(settings.sslRootCert()).isNull();
            assertThat(settings.sslCert()).isNull();
            assertThat(settings.sslKey()).isNull();
            assertThat(settings.channelBinding()).isEqualTo(ChannelBinding.PREFER);
            assertThat(settings.connectTimeout()).isEqualTo(Duration.ZERO);
            assertThat(settings.options()).isEmpty();
        }

        @Test
        void emptyConninfoIsLikeNone() {
            assertThat(resolve("")).isEqualTo(resolve(null));
            assertThat(resolve("postgresql://")).isEqualTo(resolve(null));
        }

        @Test
        void noHomeDirectoryMeansNoPassfile() {
            ConnectionSettings settings = ConnectionSettings.resolve(null, Map.of(), Map.of(), null, "u");
            assertThat(settings.passfile()).isNull();
            assertThat(settings.passwordFor(settings.hosts().get(0))).isEmpty();
        }

        @Test
        void unknownUserIsAnError() {
            assertThatThrownBy(() -> ConnectionSettings.resolve(null, Map.of(), Map.of(), home, null))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessage("no user name given, and the operating-system user name is unknown");
            assertThat(ConnectionSettings.resolve("user=rep", Map.of(), Map.of(), home, null).user()).isEqualTo("rep");
        }

        @Test
        void emptyValuesCountAsNotGiven() {
            ConnectionSettings settings = resolve("host='' port='' user='' password=''",
                    Map.of("host", ""), Map.of("PGHOST", "envhost", "PGPORT", ""));
            assertThat(settings.hosts()).containsExactly(new HostPort("envhost", 5432));
            assertThat(settings.user()).isEqualTo("osuser");
            assertThat(settings.password()).isNull();
        }

        @Test
        void physicalReplicationStartupParameters() {
            ConnectionSettings settings = resolve("user=rep application_name=app options='-c wal_sender_timeout=0'");
            assertThat(settings.startupParameters()).containsExactly(
                    entry("user", "rep"), entry("database", "replication"), entry("replication", "true"),
                    entry("application_name", "app"), entry("options", "-c wal_sender_timeout=0"));
            assertThat(resolve("replication=yes").startupParameters()).containsEntry("replication", "true")
                    .doesNotContainKey("options");
        }
    }

    @Nested
    class Precedence {

        @Test
        void environmentFillsWhatConninfoLacks() {
            ConnectionSettings settings = resolve("host=db1", Map.of(), Map.of("PGPORT", "6543", "PGUSER", "envuser"));
            assertThat(settings.hosts()).containsExactly(new HostPort("db1", 6543));
            assertThat(settings.user()).isEqualTo("envuser");
        }

        @Test
        void conninfoWinsOverEnvironment() {
            ConnectionSettings settings = resolve("host=db1 port=5433 user=rep", Map.of(),
                    Map.of("PGHOST", "envhost", "PGPORT", "6543", "PGUSER", "envuser"));
            assertThat(settings.hosts()).containsExactly(new HostPort("db1", 5433));
            assertThat(settings.user()).isEqualTo("rep");
        }

        @Test
        void overridesWinOverConninfoAndEnvironment() {
            ConnectionSettings settings = resolve("postgresql://rep@db1:5433/?sslmode=require",
                    Map.of("host", "flaghost", "port", "7000", "user", "flaguser"),
                    Map.of("PGHOST", "envhost", "PGSSLMODE", "disable"));
            assertThat(settings.hosts()).containsExactly(new HostPort("flaghost", 7000));
            assertThat(settings.user()).isEqualTo("flaguser");
            assertThat(settings.sslMode()).isEqualTo(SslMode.REQUIRE);
        }

        @Test
        void everyEnvironmentVariable() throws IOException {
            Map<String, String> env = new HashMap<>();
            env.put("PGHOST", "envhost");
            env.put("PGHOSTADDR", "10.0.0.5");
            env.put("PGPORT", "6543");
            env.put("PGUSER", "envuser");
            env.put("PGPASSWORD", SECRET);
            env.put("PGPASSFILE", "/etc/walstream/pgpass");
            env.put("PGAPPNAME", "envapp");
            env.put("PGSSLMODE", "verify-full");
            env.put("PGSSLROOTCERT", "/etc/ssl/root.crt");
            env.put("PGSSLCERT", "/etc/ssl/client.crt");
            env.put("PGSSLKEY", "/etc/ssl/client.key");
            env.put("PGCHANNELBINDING", "require");
            env.put("PGCONNECT_TIMEOUT", "7");
            env.put("PGOPTIONS", "-c statement_timeout=0");
            env.put("PGTARGETSESSIONATTRS", "read-write");
            env.put("PGGSSENCMODE", "disable");
            env.put("PGSSLNEGOTIATION", "direct");
            ConnectionSettings settings = resolve(null, Map.of(), env);
            assertThat(settings.hosts()).containsExactly(new HostPort("envhost", 6543, "10.0.0.5"));
            assertThat(settings.user()).isEqualTo("envuser");
            assertThat(settings.password()).isEqualTo(SECRET);
            assertThat(settings.passfile()).isEqualTo(Path.of("/etc/walstream/pgpass"));
            assertThat(settings.applicationName()).isEqualTo("envapp");
            assertThat(settings.sslMode()).isEqualTo(SslMode.VERIFY_FULL);
            assertThat(settings.sslRootCert()).isEqualTo(Path.of("/etc/ssl/root.crt"));
            assertThat(settings.sslCert()).isEqualTo(Path.of("/etc/ssl/client.crt"));
            assertThat(settings.sslKey()).isEqualTo(Path.of("/etc/ssl/client.key"));
            assertThat(settings.channelBinding()).isEqualTo(ChannelBinding.REQUIRE);
            assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(7));
            assertThat(settings.options()).containsExactly(entry("gssencmode", "disable"),
                    entry("options", "-c statement_timeout=0"), entry("sslnegotiation", "direct"),
                    entry("target_session_attrs", "read-write"));
        }

        @Test
        void badEnvironmentValueNamesTheVariable() {
            assertThatThrownBy(() -> resolve(null, Map.of(), Map.of("PGSSLMODE", "verify_full")))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessage("invalid sslmode value: \"verify_full\" (from environment variable PGSSLMODE)");
            assertThatThrownBy(() -> resolve(null, Map.of(), Map.of("PGPORT", "x")))
                    .hasMessage("invalid integer value \"x\" for connection option \"port\""
                            + " (from environment variable PGPORT)");
        }

        @Test
        void badEnvironmentValueIsHarmlessWhenTheKeywordIsGiven() {
            assertThat(resolve("sslmode=disable", Map.of(), Map.of("PGSSLMODE", "bogus")).sslMode())
                    .isEqualTo(SslMode.DISABLE);
        }

        @Test
        void serviceFromEnvironmentIsRefused() {
            assertThatThrownBy(() -> resolve(null, Map.of(), Map.of("PGSERVICE", "prod")))
                    .hasMessageStartingWith("service files are not supported");
        }

        @Test
        void dbnameIsReplicationLikePgReceivewalEvenWithPgdatabase() {
            assertThat(resolve(null, Map.of(), Map.of("PGDATABASE", "app")).dbname()).isEqualTo("replication");
            assertThat(resolve("dbname=other", Map.of(), Map.of("PGDATABASE", "app")).dbname()).isEqualTo("other");
        }

        @Test
        void applicationNamePrecedence() {
            Map<String, String> env = Map.of("PGAPPNAME", "envapp");
            assertThat(resolve("application_name=a fallback_application_name=f", Map.of(), env).applicationName())
                    .isEqualTo("a");
            assertThat(resolve("fallback_application_name=f", Map.of(), env).applicationName()).isEqualTo("envapp");
            assertThat(resolve("fallback_application_name=f").applicationName()).isEqualTo("f");
        }

        @Test
        void conninfoPasswordWinsOverPgpassword() {
            assertThat(resolve("password=given", Map.of(), Map.of("PGPASSWORD", "env")).password()).isEqualTo("given");
        }

        @Test
        void overridesAreCheckedLikeConninfo() {
            assertThatThrownBy(() -> resolve(null, Map.of("hots", "x"), Map.of()))
                    .hasMessage("invalid connection option \"hots\"");
            assertThatThrownBy(() -> resolve(null, Map.of("port", "0"), Map.of()))
                    .hasMessage("invalid port number: \"0\"");
        }

        @Test
        void uriQueryParametersOverrideTheAuthority() {
            ConnectionSettings settings = resolve("postgresql://u@h1:5432/db?port=6000&host=h2&user=v");
            assertThat(settings.hosts()).containsExactly(new HostPort("h2", 6000));
            assertThat(settings.user()).isEqualTo("v");
            assertThat(settings.dbname()).isEqualTo("db");
        }
    }

    @Nested
    class Hosts {

        @Test
        void multipleHostsAndPorts() {
            assertThat(resolve("host=a,b port=5433,5434").hosts())
                    .containsExactly(new HostPort("a", 5433), new HostPort("b", 5434));
        }

        @Test
        void onePortAppliesToAllHosts() {
            assertThat(resolve("host=a,b,c port=6000").hosts())
                    .containsExactly(new HostPort("a", 6000), new HostPort("b", 6000), new HostPort("c", 6000));
        }

        @Test
        void emptyEntriesTakeTheDefaults() {
            assertThat(resolve("host=a,,c port=1,2,").hosts()).containsExactly(
                    new HostPort("a", 1), new HostPort("localhost", 2), new HostPort("c", 5432));
        }

        @Test
        void portCountMustMatch() {
            assertThatThrownBy(() -> resolve("host=a,b,c port=1,2"))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessage("could not match 2 port numbers to 3 hosts");
            assertThatThrownBy(() -> resolve("port=1,2"))
                    .hasMessage("could not match 2 port numbers to 1 hosts");
        }

        @Test
        void uriWithSeveralHostsAndIpv6() {
            assertThat(resolve("postgresql://rep@[::1]:5433,db2,[2001:db8::7]:5435/x").hosts()).containsExactly(
                    new HostPort("::1", 5433), new HostPort("db2", 5432), new HostPort("2001:db8::7", 5435));
        }

        @Test
        void hostaddrPairsWithHostNames() {
            assertThat(resolve("host=a,b hostaddr=10.0.0.1,10.0.0.2").hosts()).containsExactly(
                    new HostPort("a", 5432, "10.0.0.1"), new HostPort("b", 5432, "10.0.0.2"));
            assertThat(resolve("host=a,b hostaddr=10.0.0.1,").hosts()).containsExactly(
                    new HostPort("a", 5432, "10.0.0.1"), new HostPort("b", 5432, null));
        }

        @Test
        void hostaddrAloneStandsInForTheName() {
            HostPort only = resolve("hostaddr=10.0.0.1").hosts().get(0);
            assertThat(only).isEqualTo(new HostPort("10.0.0.1", 5432, "10.0.0.1"));
            assertThat(only.connectAddress()).isEqualTo("10.0.0.1");
        }

        @Test
        void hostaddrCountMustMatch() {
            assertThatThrownBy(() -> resolve("host=a,b,c hostaddr=10.0.0.1,10.0.0.2"))
                    .hasMessage("could not match 3 host names to 2 hostaddr values");
        }

        @Test
        void unixSocketDirectoryIsKeptAsIs() {
            HostPort socket = resolve("postgresql:///db?host=/var/run/postgresql&port=5433").hosts().get(0);
            assertThat(socket).isEqualTo(new HostPort("/var/run/postgresql", 5433));
            assertThat(socket.isUnixSocket()).isTrue();
            assertThat(new HostPort("localhost", 5432).isUnixSocket()).isFalse();
        }
    }

    @Nested
    class Tls {

        @Test
        void pgsslmodeVerifyFull() {
            assertThat(resolve(null, Map.of(), Map.of("PGSSLMODE", "verify-full")).sslMode())
                    .isEqualTo(SslMode.VERIFY_FULL);
        }

        @Test
        void requiresslMapsToRequire() {
            assertThat(resolve("requiressl=1").sslMode()).isEqualTo(SslMode.REQUIRE);
        }

        @Test
        void defaultCertificateFilesAreUsedWhenTheyExist() throws IOException {
            Path dir = Files.createDirectory(home.resolve(".postgresql"));
            Files.writeString(dir.resolve("root.crt"), "");
            ConnectionSettings settings = resolve("sslmode=verify-ca");
            assertThat(settings.sslRootCert()).isEqualTo(dir.resolve("root.crt"));
            assertThat(settings.sslCert()).isNull();
            Files.writeString(dir.resolve("postgresql.crt"), "");
            Files.writeString(dir.resolve("postgresql.key"), "");
            settings = resolve(null);
            assertThat(settings.sslCert()).isEqualTo(dir.resolve("postgresql.crt"));
            assertThat(settings.sslKey()).isEqualTo(dir.resolve("postgresql.key"));
        }

        @Test
        void explicitCertificateFilesNeedNotExistYet() {
            ConnectionSettings settings = resolve("sslrootcert=/no/root.crt sslcert=c.crt sslkey=c.key");
            assertThat(settings.sslRootCert()).isEqualTo(Path.of("/no/root.crt"));
            assertThat(settings.sslCert()).isEqualTo(Path.of("c.crt"));
            assertThat(settings.sslKey()).isEqualTo(Path.of("c.key"));
        }

        @Test
        void systemRootCertificatesForceVerifyFull() {
            assertThat(resolve("sslrootcert=system").sslMode()).isEqualTo(SslMode.VERIFY_FULL);
            assertThat(resolve("sslrootcert=system").sslRootCert()).isEqualTo(Path.of("system"));
            assertThatThrownBy(() -> resolve("sslrootcert=system sslmode=verify-ca"))
                    .hasMessage("weak sslmode \"verify-ca\" may not be used with sslrootcert=system (use \"verify-full\")");
        }

        @Test
        void directNegotiationNeedsAStrongSslmode() {
            assertThatThrownBy(() -> resolve("sslnegotiation=direct"))
                    .hasMessage("weak sslmode \"prefer\" may not be used with sslnegotiation=direct"
                            + " (use \"require\", \"verify-ca\", or \"verify-full\")");
            assertThat(resolve("sslnegotiation=direct sslmode=require").options())
                    .containsEntry("sslnegotiation", "direct");
        }

        @Test
        void channelBinding() {
            assertThat(resolve("channel_binding=disable").channelBinding()).isEqualTo(ChannelBinding.DISABLE);
            assertThat(resolve(null, Map.of(), Map.of("PGCHANNELBINDING", "require")).channelBinding())
                    .isEqualTo(ChannelBinding.REQUIRE);
        }
    }

    @Nested
    class Timeout {

        @ParameterizedTest
        @CsvSource({"1, 2", "2, 2", "10, 10", "0, 0", "-5, 0", "' 3 ', 3"})
        void connectTimeoutInSecondsLikeLibpq(String value, long seconds) {
            assertThat(resolve("connect_timeout='" + value + "'").connectTimeout()).isEqualTo(Duration.ofSeconds(seconds));
        }

        @Test
        void fromEnvironment() {
            assertThat(resolve(null, Map.of(), Map.of("PGCONNECT_TIMEOUT", "1")).connectTimeout())
                    .isEqualTo(Duration.ofSeconds(2));
        }
    }

    @Nested
    class OtherKeywords {

        @Test
        void keptVerbatim() {
            ConnectionSettings settings = resolve("options='-c a=b' keepalives=1 keepalives_idle=30"
                    + " keepalives_interval=5 keepalives_count=3 tcp_user_timeout=10000 target_session_attrs=primary"
                    + " gssencmode=disable replication=true fallback_application_name=f");
            assertThat(settings.options()).containsExactly(entry("gssencmode", "disable"), entry("keepalives", "1"),
                    entry("keepalives_count", "3"), entry("keepalives_idle", "30"), entry("keepalives_interval", "5"),
                    entry("options", "-c a=b"), entry("target_session_attrs", "primary"),
                    entry("tcp_user_timeout", "10000"));
        }

        @Test
        void logicalReplicationIsRejected() {
            assertThatThrownBy(() -> resolve("host=h replication=database"))
                    .isInstanceOf(ConnInfoException.class)
                    .hasMessageStartingWith("replication=database (logical replication) is not supported");
        }

        @Test
        void resolvedSettingsAreImmutable() {
            ConnectionSettings settings = resolve("host=a,b keepalives=1");
            assertThatThrownBy(() -> settings.hosts().add(new HostPort("c", 1)))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> settings.options().put("x", "y"))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Nested
    class Passwords {

        @Test
        void explicitPasswordForEveryHost() {
            ConnectionSettings settings = resolve("host=a,b password=pw");
            assertThat(settings.hosts()).allSatisfy(host -> assertThat(settings.passwordFor(host)).contains("pw"));
        }

        @Test
        void pgpasswordIsExplicitToo() throws IOException {
            writePgpass("*:*:*:*:from-file\n", "rw-------");
            ConnectionSettings settings = resolve(null, Map.of(), Map.of("PGPASSWORD", "from-env"));
            assertThat(settings.passwordFor(settings.hosts().get(0))).contains("from-env");
        }

        @Test
        void passfileLookupIsPerHostAndMatchesTheReplicationDatabase() throws IOException {
            writePgpass("""
                    a:5432:replication:rep:for-a
                    b:5433:replication:rep:for-b
                    *:*:postgres:rep:wrong-db
                    """, "rw-------");
            ConnectionSettings settings = resolve("host=a,b,c port=5432,5433,5432 user=rep");
            assertThat(settings.passwordFor(settings.hosts().get(0))).contains("for-a");
            assertThat(settings.passwordFor(settings.hosts().get(1))).contains("for-b");
            assertThat(settings.passwordFor(settings.hosts().get(2))).isEmpty();
        }

        @Test
        void defaultLocalhostMatchesALocalhostLine() throws IOException {
            writePgpass("localhost:5432:replication:osuser:local\n", "rw-------");
            ConnectionSettings settings = resolve(null);
            assertThat(settings.passwordFor(settings.hosts().get(0))).contains("local");
        }

        @Test
        void passfileIsReadAtLookupTimeSoEditsAreSeen() throws IOException {
            ConnectionSettings settings = resolve(null);
            HostPort host = settings.hosts().get(0);
            assertThat(settings.passwordFor(host)).isEmpty();
            writePgpass("*:*:*:*:later\n", "rw-------");
            assertThat(settings.passwordFor(host)).contains("later");
        }

        @Test
        void worldReadablePassfileIsIgnored() throws IOException {
            writePgpass("*:*:*:*:" + SECRET + "\n", "rw-r--r--");
            ConnectionSettings settings = resolve(null);
            assertThat(settings.passwordFor(settings.hosts().get(0))).isEmpty();
        }

        @Test
        void passfileKeywordAndPgpassfile() throws IOException {
            Path custom = home.resolve("custom-pgpass");
            Files.writeString(custom, "*:*:*:*:custom\n");
            Files.setPosixFilePermissions(custom, PosixFilePermissions.fromString("rw-------"));
            ConnectionSettings byKeyword = resolve("passfile=" + custom);
            assertThat(byKeyword.passwordFor(byKeyword.hosts().get(0))).contains("custom");
            ConnectionSettings byEnv = resolve(null, Map.of(), Map.of("PGPASSFILE", custom.toString()));
            assertThat(byEnv.passfile()).isEqualTo(custom);
            assertThat(byEnv.passwordFor(byEnv.hosts().get(0))).contains("custom");
        }

        private void writePgpass(String contents, String permissions) throws IOException {
            Path file = home.resolve(".pgpass");
            Files.writeString(file, contents);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        }
    }

    @Nested
    class Secrecy {

        @Test
        void toStringRedactsThePassword() {
            ConnectionSettings settings = resolve("host=h user=rep password=" + SECRET);
            assertThat(settings.toString()).contains("password=<redacted>").contains("user=rep")
                    .doesNotContain(SECRET);
            assertThat(resolve(null, Map.of(), Map.of("PGPASSWORD", SECRET)).toString()).doesNotContain(SECRET);
            assertThat(resolve(null).toString()).contains("password=null");
        }

        @Test
        void toStringShowsTheRest() {
            assertThat(resolve("host=h port=1 sslmode=verify-full connect_timeout=5").toString()).isEqualTo(
                    "ConnectionSettings[hosts=[h:1], user=osuser, password=null, passfile=" + home.resolve(".pgpass")
                            + ", dbname=replication, applicationName=walstream, sslMode=verify-full, sslRootCert=null,"
                            + " sslCert=null, sslKey=null, channelBinding=prefer, connectTimeout=PT5S, options={}]");
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "password=" + SECRET + " port=x",
            "password=" + SECRET + " sslmode=bad",
            "password=" + SECRET + " host=a,b port=1,2,3",
            "password=" + SECRET + " replication=database",
            "password=" + SECRET + " service=x",
            "password=" + SECRET + " bogus=1",
            "password=" + SECRET + " extra",
            "password=abc " + SECRET,
            "password='abc''" + SECRET + "'",
            "postgresql://rep:" + SECRET + "@h:x/db",
            "postgresql://rep:" + SECRET + "%zz@h/db",
            "postgresql://rep:" + SECRET + "@h/db?bogus=1",
            "postgresql://h/db?password=abc&" + SECRET,
        })
        void noExceptionMessageContainsThePassword(String conninfo) {
            assertThatThrownBy(() -> resolve(conninfo))
                    .isInstanceOf(ConnInfoException.class)
                    .message().doesNotContain(SECRET).doesNotContain("xyzzy");
        }

        @Test
        void noExceptionMessageContainsAPasswordFromTheEnvironment() {
            assertThatThrownBy(() -> resolve(null, Map.of(), Map.of("PGPASSWORD", SECRET, "PGPORT", "x")))
                    .message().doesNotContain(SECRET);
        }
    }

    @Test
    void resolvesAgainstThisProcess() {
        // Smoke test of the convenience overload; the environment is whatever the build has.
        ConnectionSettings settings = ConnectionSettings.resolve("host=h port=1 user=u", Map.of());
        assertThat(settings.hosts()).isEqualTo(List.of(new HostPort("h", 1)));
        assertThat(settings.user()).isEqualTo("u");
    }
}
