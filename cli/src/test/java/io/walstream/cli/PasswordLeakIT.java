package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.AuthMethod;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A password never shows in what walstream prints, not even with {@code -v} and a failed login: given in the
 * conninfo (wrong, and right against a server that refuses for another reason), or through PGPASSWORD.
 */
@ExtendWith(PgClusterExtension.class)
class PasswordLeakIT {

    private static final String SECRET = "Sekr1t-PasswordLeakIT";

    private static String walstream(Path dir, List<String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xmx128m", "-jar", Path.of("target", "walstream.jar").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
        for (int i = 0; i < env.size(); i += 2) {
            pb.environment().put(env.get(i), env.get(i + 1));
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isNotZero();
        return out;
    }

    @Test
    void aWrongPasswordIsNeverPrinted(@TempDir Path dir) throws Exception {
        try (PgCluster pg = PgCluster.builder().name("leak").auth(AuthMethod.SCRAM_SHA_256).start()) {
            String conninfo = "host=127.0.0.1 sslmode=disable port=" + pg.port() + " user=" + pg.superuser()
                    + " password=" + SECRET + " connect_timeout=10";
            List<String> outputs = List.of(
                    walstream(dir, List.of(), "receive", "-v", "-n", "-D", dir.resolve("a").toString(), "-d", conninfo),
                    walstream(dir, List.of(), "status", "-v", "-D", dir.resolve("a").toString(), "-d", conninfo),
                    walstream(dir, List.of(), "check", "-v", "-d", conninfo),
                    walstream(dir, List.of("PGPASSWORD", SECRET), "receive", "-v", "-n", "-D", dir.resolve("b").toString(),
                            "-d", "host=127.0.0.1 sslmode=disable port=" + pg.port() + " user=" + pg.superuser()),
                    // right password, refused for another reason (no such slot): the error path with a live login
                    walstream(dir, List.of(), "receive", "-v", "-n", "-D", dir.resolve("c").toString(), "--slot", "missing",
                            "-d", "host=127.0.0.1 sslmode=disable port=" + pg.port() + " user=" + pg.superuser()
                                    + " password=" + pg.password()));
            for (String out : outputs) {
                assertThat(out).isNotBlank().doesNotContain(SECRET).doesNotContain(pg.password());
            }
            assertThat(outputs.get(0)).containsIgnoringCase("password authentication failed");
        }
    }
}
