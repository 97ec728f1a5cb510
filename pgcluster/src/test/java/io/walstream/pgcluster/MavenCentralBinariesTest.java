package io.walstream.pgcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MavenCentralBinariesTest {

    @Test
    void unpacksOnceAndRepairsADamagedTree(@TempDir Path cache) throws Exception {
        String previous = System.setProperty("pgcluster.cache", cache.toString());
        try {
            PgBinaries first = MavenCentralBinaries.resolve(16);
            assertThat(first.major()).isEqualTo(16);
            assertThat(first.binDir()).startsWith(cache);
            Path postgres = first.tool("postgres");
            long unpackedAt = Files.getLastModifiedTime(postgres).toMillis();

            assertThat(MavenCentralBinaries.resolve(16).binDir()).isEqualTo(first.binDir());
            assertThat(Files.getLastModifiedTime(postgres).toMillis()).isEqualTo(unpackedAt);

            Files.delete(first.tool("pg_ctl"));
            PgBinaries repaired = MavenCentralBinaries.resolve(16);
            assertThat(repaired.has("pg_ctl")).isTrue();
            assertThat(repaired.version()).startsWith("16.");
        } finally {
            if (previous == null) {
                System.clearProperty("pgcluster.cache");
            } else {
                System.setProperty("pgcluster.cache", previous);
            }
        }
    }

    @Test
    void majorOfReadsTheFirstNumber() {
        assertThat(PgBinaries.majorOf("17.6")).isEqualTo(17);
        assertThat(PgBinaries.majorOf("9.6.24")).isEqualTo(9);
    }
}
