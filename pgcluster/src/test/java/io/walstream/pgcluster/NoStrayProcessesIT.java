package io.walstream.pgcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Runs after every other test class of this module (junit-platform.properties): nothing may be left running. */
@Order(Integer.MAX_VALUE)
class NoStrayProcessesIT {

    @Test
    void everyClusterIsClosedAndNoServerProcessIsLeft() {
        assertThat(PgCluster.createdCount()).as("clusters created by the suite").isGreaterThan(5);
        PgCluster.closeAll();
        assertThat(PgCluster.strayProcesses()).as("PostgreSQL processes still running").isEmpty();
        for (PgCluster c : PgCluster.created()) {
            assertThat(Files.exists(c.dataDir())).as("%s removed", c.dataDir()).isFalse();
        }
    }
}
