package io.walstream.pgcluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operating-system account PostgreSQL runs as. PostgreSQL refuses to run as root, so a
 * root JVM runs every server program as an unprivileged account ({@code WALSTREAM_PG_USER},
 * default {@code postgres}) through {@code setpriv} or {@code runuser}, and gives it the
 * cluster directories. Any other JVM runs them as itself.
 */
final class ServerAccount {

    private static ServerAccount instance;

    /** Null when the JVM is not root: programs run as the JVM's own user. */
    private final String name;
    private final List<String> prefix;

    private ServerAccount(String name, List<String> prefix) {
        this.name = name;
        this.prefix = prefix;
    }

    /** Looked up on first use, so that a missing account is an error with advice, not a class-init failure. */
    static synchronized ServerAccount get() {
        if (instance == null) {
            instance = detect();
        }
        return instance;
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static ServerAccount detect() {
        if (!isRoot()) {
            return new ServerAccount(null, List.of());
        }
        String user = System.getenv().getOrDefault("WALSTREAM_PG_USER", "postgres");
        if (!accountExists(user)) {
            throw new PgClusterException("PostgreSQL refuses to run as root and there is no account '" + user
                    + "' to run it as. Create one (useradd --system --create-home " + user
                    + ") or set WALSTREAM_PG_USER to an existing unprivileged account");
        }
        if (Files.isExecutable(Path.of("/usr/bin/setpriv")) || Files.isExecutable(Path.of("/bin/setpriv"))) {
            return new ServerAccount(user, List.of("setpriv", "--reuid=" + user, "--regid=" + user,
                    "--init-groups", "--"));
        }
        if (Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser"))) {
            return new ServerAccount(user, List.of("runuser", "-u", user, "--"));
        }
        throw new PgClusterException("running as root needs setpriv or runuser (util-linux) to start PostgreSQL as '"
                + user + "'; install util-linux or run as an unprivileged user");
    }

    private static boolean accountExists(String user) {
        try {
            Process p = new ProcessBuilder("id", "-u", user).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The account name servers run as, or null when they run as the JVM's user. */
    String name() {
        return name;
    }

    /** Makes {@code path} and everything under it belong to the server account (no-op unless root). */
    void own(Path path) {
        if (name == null) {
            return;
        }
        try {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal user = lookup.lookupPrincipalByName(name);
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(name);
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    chown(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    chown(file);
                    return FileVisitResult.CONTINUE;
                }

                private void chown(Path p) throws IOException {
                    PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class,
                            LinkOption.NOFOLLOW_LINKS);
                    view.setOwner(user);
                    view.setGroup(group);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not give " + path + " to " + name, e);
        }
    }

    /** Runs a server program as the server account, returns its output, and throws with that output on failure. */
    String run(List<String> command, Map<String, String> env, Duration timeout) {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(command);
        return exec(full, env, timeout);
    }

    static String exec(List<String> command, Map<String, String> env, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // The caller's PG* settings must not redirect the cluster's own tools elsewhere.
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().put("LC_ALL", "C");
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            // Drain output in the background so a chatty program never blocks on a full pipe.
            var output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(output unreadable: " + e + ")";
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new PgClusterException(String.join(" ", command) + " did not finish in " + timeout);
            }
            String out = output.get(10, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new PgClusterException(String.join(" ", command) + " failed with exit code " + p.exitValue()
                        + ":\n" + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new PgClusterException("could not run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgClusterException("interrupted while running " + command.get(0), e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new PgClusterException("could not read the output of " + command.get(0), e);
        }
    }

    /** "17.6" from {@code postgres --version}; that option is allowed as root. */
    static String serverVersion(Path binDir) {
        return programVersion(binDir.resolve("postgres"));
    }

    /** The version a PostgreSQL program prints with --version, e.g. "15.18". */
    static String programVersion(Path program) {
        String out = exec(List.of(program.toString(), "--version"), Map.of(), Duration.ofSeconds(30));
        // "postgres (PostgreSQL) 17.6" or "pg_waldump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        String[] words = out.trim().split("\\s+");
        if (words.length < 3) {
            throw new PgClusterException("unexpected " + program.getFileName() + " --version output: " + out);
        }
        return words[2];
    }
}
