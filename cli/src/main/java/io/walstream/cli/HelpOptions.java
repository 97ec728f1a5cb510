package io.walstream.cli;

import picocli.CommandLine.Option;

/**
 * {@code --help} and {@code -V/--version} for commands that take connection options: picocli's
 * standard mixin also claims {@code -h}, which is the host there (as in pg_receivewal).
 */
final class HelpOptions {

    @Option(names = "--help", usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print version information and exit.")
    boolean version;
}
