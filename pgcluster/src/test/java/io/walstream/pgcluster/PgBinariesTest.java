package io.walstream.pgcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PgBinaries#clientTool}: the first directory with the program of the major, else how to install it. */
class PgBinariesTest {

    @Test
    void clientToolIsTheFirstOfTheRightMajor(@TempDir Path tmp) throws Exception {
        Path fourteen = program(tmp.resolve("14"), "pg_receivewal", "14.11");
        Path fifteen = program(tmp.resolve("15"), "pg_receivewal", "15.14 (Debian 15.14-0+deb12u1)");
        assertThat(PgBinaries.clientTool(15, "pg_receivewal", List.of(fourteen.getParent(), fifteen.getParent())))
                .isEqualTo(fifteen);
    }

    @Test
    void aMissingClientToolIsAFailureWithTheInstallLine(@TempDir Path tmp) throws Exception {
        Path fourteen = program(tmp.resolve("14"), "pgbench", "14.11");
        assertThatThrownBy(() -> PgBinaries.clientTool(15, "pgbench", List.of(tmp.resolve("none"), fourteen.getParent())))
                .isInstanceOf(PgClusterException.class)
                .hasMessageStartingWith("pgbench 15 not found")
                .hasMessageContaining(tmp.resolve("none") + " has no pgbench")
                .hasMessageContaining(fourteen + " is 14.11")
                .hasMessageContaining("apt-get install postgresql-15")
                .hasMessageContaining("set PG_BIN");
    }

    /** A stand-in that answers --version as PostgreSQL's programs do. */
    private static Path program(Path dir, String name, String version) throws Exception {
        Files.createDirectories(dir);
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\necho '" + name + " (PostgreSQL) " + version + "'\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
