package io.walstream.pgcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test class of this module (junit-platform.properties): nothing may be left running. It
 * starts a server of its own and leaves it running, so that the check sees one live cluster to close even when the
 * class runs alone.
 */
@Order(Integer.MAX_VALUE)
class NoStrayProcessesIT {

    @Test
    void everyClusterIsClosedAndNoServerProcessIsLeft() {
        PgCluster own = PgCluster.builder().name("stray_check").start();
        assertThat(PgCluster.created()).contains(own);
        assertThat(PgCluster.strayProcesses()).as("the running server's processes, seen").isNotEmpty();

        PgCluster.closeAll();
        assertThat(PgCluster.strayProcesses()).as("PostgreSQL processes still running").isEmpty();
        for (PgCluster c : PgCluster.created()) {
            assertThat(Files.exists(c.dataDir())).as("%s removed", c.dataDir()).isFalse();
        }
    }
}
