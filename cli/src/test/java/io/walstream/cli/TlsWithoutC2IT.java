package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * receive runs with C1 alone where the jar has BoringSSL; when BoringSSL does not load there (a musl libc, a noexec
 * temporary directory), TLS falls back to the JDK's ciphers, slow without C2, and the log says so. The product jar
 * as a user runs it, against a real server with TLS.
 */
class TlsWithoutC2IT {

    private static String receive(PgCluster pg, Path dir, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xmx128m"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-jar", CrashHarness.jar().toString()));
        // a slot that does not exist: the run ends right after the TLS handshake and the login
        command.addAll(List.of("receive", "-n", "-D", dir.toString(), "--slot", "missing", "-d",
                "host=127.0.0.1 sslmode=require port=" + pg.port() + " user=" + pg.superuser()
                        + " password=" + pg.password() + " connect_timeout=10"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
        assertThat(out).contains("missing");
        return out;
    }

    @Test
    void theJdksTlsUnderC1AloneIsNamedInTheLog(@TempDir Path dir) throws Exception {
        try (PgCluster pg = PgCluster.builder().name("tls_c1").tls(true).start()) {
            String fallback = receive(pg, dir.resolve("a"), "-Dio.netty.handler.ssl.noOpenSsl=true");
            assertThat(fallback).contains("TLS runs in the JDK, not BoringSSL").contains("-XX:TieredStopAtLevel=1");
            String boringSsl = receive(pg, dir.resolve("b"));
            assertThat(boringSsl).doesNotContain("TLS runs in the JDK");
        }
    }
}
