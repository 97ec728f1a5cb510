package io.walstream.store.s3;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What the test servers started as processes (S3Proxy, S3Mock) share: their jar, waiting for an answer, stopping. */
final class ServerProcesses {

    private ServerProcesses() {
    }

    /** The runnable jar the build copied, named by a system property the build sets. */
    static Path jar(String name, String property, String directory) {
        String jar = System.getProperty(property);
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException(name + " jar not found (system property " + property + "=" + jar + "); "
                    + "the build copies it to store-s3/target/" + directory + "/ (maven-dependency-plugin)");
        }
        return Path.of(jar);
    }

    /** Ends the process: SIGTERM, then SIGKILL after 20 s. */
    static void stop(Process process) {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Removes a server's temporary directory and everything in it. */
    static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left for the system to clean
        }
    }


    /** Any HTTP answer (an anonymous request may be refused with 403) means the server is up. */
    static void awaitAnswer(String name, Process process, URI endpoint, Duration timeout, Path logFile) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + logFile);
            }
            try {
                HttpURLConnection c = (HttpURLConnection) endpoint.toURL().openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(5000);
                int status = c.getResponseCode();
                c.disconnect();
                if (status > 0) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not answer on " + endpoint + " within " + timeout
                        + "; see " + logFile);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting " + name, e);
            }
        }
    }
}
