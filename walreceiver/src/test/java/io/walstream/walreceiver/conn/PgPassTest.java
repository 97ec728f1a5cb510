package io.walstream.walreceiver.conn;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class PgPassTest {

    static final String SECRET = "Zq7-xyzzy";

    @TempDir
    Path dir;

    private final Logger logger = (Logger) LoggerFactory.getLogger(PgPass.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void captureLog() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(logged);
    }

    @Test
    void exactMatch() {
        PgPass pass = PgPass.parse("db1:5432:replication:rep:s3cret\n");
        assertThat(pass.find("db1", 5432, "replication", "rep")).contains("s3cret");
        assertThat(pass.find("db2", 5432, "replication", "rep")).isEmpty();
        assertThat(pass.find("db1", 5433, "replication", "rep")).isEmpty();
        assertThat(pass.find("db1", 5432, "postgres", "rep")).isEmpty();
        assertThat(pass.find("db1", 5432, "replication", "other")).isEmpty();
    }

    @Test
    void fieldsArePrefixSafe() {
        PgPass pass = PgPass.parse("db:5432:replication:rep:pw");
        assertThat(pass.find("db1", 5432, "replication", "rep")).isEmpty();
        assertThat(pass.find("d", 5432, "replication", "rep")).isEmpty();
        assertThat(pass.find("db", 5432, "replication", "repl")).isEmpty();
    }

    @Test
    void starMatchesAnythingButOnlyAsAWholeField() {
        PgPass pass = PgPass.parse("""
                db*:*:*:rep:prefix-star
                *:*:*:rep:any-host
                """);
        assertThat(pass.find("db1", 6000, "whatever", "rep")).contains("any-host");
        assertThat(pass.find("db*", 6000, "whatever", "rep")).contains("prefix-star");
        assertThat(pass.find("db1", 6000, "whatever", "nobody")).isEmpty();
    }

    @Test
    void escapedStarIsALiteralStar() {
        PgPass pass = PgPass.parse("\\*:*:*:*:literal");
        assertThat(pass.find("db1", 5432, "d", "u")).isEmpty();
        assertThat(pass.find("*", 5432, "d", "u")).contains("literal");
    }

    @Test
    void escapedColonsAndBackslashesInFieldsAndPassword() {
        PgPass pass = PgPass.parse("db1:5432:my\\:db:dom\\\\user:pa\\:ss\\\\wo\\rd");
        assertThat(pass.find("db1", 5432, "my:db", "dom\\user")).contains("pa:ss\\word");
    }

    @Test
    void passwordEndsAtAnUnescapedColon() {
        assertThat(PgPass.parse("*:*:*:*:pw:extra:fields").find("h", 1, "d", "u")).contains("pw");
    }

    @Test
    void emptyPasswordField() {
        assertThat(PgPass.parse("*:*:*:*:").find("h", 1, "d", "u")).contains("");
    }

    @Test
    void lineWithTooFewFieldsNeverMatches() {
        assertThat(PgPass.parse("*:*:*:pw").find("h", 1, "d", "u")).isEmpty();
        assertThat(PgPass.parse("*:*:*:*").find("h", 1, "d", "u")).isEmpty();
    }

    @Test
    void firstMatchWins() {
        PgPass pass = PgPass.parse("""
                db1:5432:*:rep:first
                *:*:*:rep:second
                db1:5432:replication:rep:third
                """);
        assertThat(pass.find("db1", 5432, "replication", "rep")).contains("first");
        assertThat(pass.find("db2", 5432, "replication", "rep")).contains("second");
    }

    @Test
    void commentsBlankLinesAndCrLf() {
        PgPass pass = PgPass.parse("# *:*:*:*:commented\r\n\r\n   \n  # not a comment:*:*:*:x\r\ndb1:*:*:*:crlf\r\n");
        assertThat(pass.find("db1", 5432, "d", "u")).contains("crlf");
        assertThat(pass.find("  # not a comment", 1, "d", "u")).contains("x");
        assertThat(pass.find("other", 5432, "d", "u")).isEmpty();
    }

    @Test
    void localhostLineMatchesAUnixSocketHost() {
        PgPass pass = PgPass.parse("localhost:5432:*:rep:via-localhost\n");
        assertThat(pass.find("/var/run/postgresql", 5432, "replication", "rep")).contains("via-localhost");
        assertThat(pass.find("/tmp", 5432, "replication", "rep")).contains("via-localhost");
        assertThat(pass.find("/tmp", 5433, "replication", "rep")).isEmpty();
    }

    @Test
    void socketDirectoryLineMatchesToo() {
        PgPass pass = PgPass.parse("/tmp:5432:*:rep:via-path\nlocalhost:5432:*:rep:via-localhost\n");
        assertThat(pass.find("/tmp", 5432, "replication", "rep")).contains("via-path");
        assertThat(pass.find("/var/run/postgresql", 5432, "replication", "rep")).contains("via-localhost");
    }

    @Test
    void localhostLineDoesNotMatchOtherTcpHosts() {
        assertThat(PgPass.parse("localhost:*:*:*:pw").find("127.0.0.1", 5432, "d", "u")).isEmpty();
    }

    @Test
    void ipv6HostMatchesEscapedOrNot() {
        // libpq lets an unescaped ':' in the line match a ':' of the host name.
        assertThat(PgPass.parse("::1:5432:*:*:plain").find("::1", 5432, "d", "u")).contains("plain");
        assertThat(PgPass.parse("\\:\\:1:5432:*:*:escaped").find("::1", 5432, "d", "u")).contains("escaped");
    }

    @Test
    void toStringShowsNoPassword() {
        assertThat(PgPass.parse("*:*:*:*:" + SECRET).toString()).doesNotContain(SECRET);
    }

    @Test
    void loadsAPrivateFile() throws IOException {
        Path file = write("rw-------", "db1:5432:replication:rep:" + SECRET + "\n");
        assertThat(PgPass.load(file).find("db1", 5432, "replication", "rep")).contains(SECRET);
        assertThat(logged.list).isEmpty();
    }

    @Test
    void ownerOnlyExecuteBitIsStillPrivate() throws IOException {
        // libpq only objects to group and world bits (S_IRWXG | S_IRWXO).
        Path file = write("rwx------", "*:*:*:*:pw\n");
        assertThat(PgPass.load(file).find("h", 1, "d", "u")).contains("pw");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r--r--", "rw-r-----", "rw----r--", "rw--w----", "rw------x", "rw-rw-rw-"})
    void ignoresAFileOthersCanAccessAndWarnsWithoutContents(String permissions) throws IOException {
        Path file = write(permissions, "*:*:*:*:" + SECRET + "\n");
        assertThat(PgPass.load(file).find("h", 1, "d", "u")).isEmpty();
        assertThat(logged.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage())
                    .isEqualTo("password file \"" + file + "\" has group or world access;"
                            + " permissions should be u=rw (0600) or less")
                    .doesNotContain(SECRET);
        });
    }

    @Test
    void missingFileIsSilentlyEmpty() {
        assertThat(PgPass.load(dir.resolve("absent")).find("h", 1, "d", "u")).isEmpty();
        assertThat(logged.list).isEmpty();
    }

    @Test
    void directoryIsIgnoredWithAWarning() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertThat(PgPass.load(sub).find("h", 1, "d", "u")).isEmpty();
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("password file \"" + sub + "\" is not a plain file");
    }

    @Test
    void readsUtf8() throws IOException {
        Path file = write("rw-------", "*:*:*:*:pässwörd\n");
        assertThat(PgPass.load(file).find("h", 1, "d", "u")).contains("pässwörd");
    }

    private Path write(String permissions, String contents) throws IOException {
        Path file = dir.resolve("pgpass");
        Files.writeString(file, contents);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }
}
