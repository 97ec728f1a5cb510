package io.walstream.archiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files the archive creates are private unless the directory is shared, as pg_receivewal's group access. */
class DurableTest {

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String created(Path dir, String dirMode) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(dirMode));
        Path f = dir.resolve("000000010000000000000001.partial");
        Files.deleteIfExists(f);
        Durable.openPrivate(f, StandardOpenOption.READ).close();
        return mode(f);
    }

    @Test
    void filesArePrivateInAPrivateDirectoryAndReadableWhereTheDirectoryIsShared(@TempDir Path dir) throws Exception {
        assertThat(created(dir, "rwx------")).isEqualTo("rw-------");
        assertThat(created(dir, "rwxr-x---")).isEqualTo("rw-r-----");
        assertThat(created(dir, "rwxr-xr-x")).isEqualTo("rw-r--r--");
    }

    @Test
    void newDirectoriesArePrivate(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path archive = dir.resolve("a").resolve("archive");
        Durable.createDirectories(archive);
        assertThat(mode(archive)).isEqualTo("rwx------");
        assertThat(mode(archive.getParent())).isEqualTo("rwx------");
    }
}
