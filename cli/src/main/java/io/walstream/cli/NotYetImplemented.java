package io.walstream.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Subcommands whose issue has not landed yet. Each says so on stderr and exits with the
 * usage code (2) so that scripts cannot mistake it for success. Each is replaced by its
 * real class when its issue lands.
 */
abstract class NotYetImplemented implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Unmatched
    List<String> ignored;

    @Override
    public Integer call() {
        System.err.printf("walstream %s: not yet implemented in this build%n", spec.name());
        return CommandLine.ExitCode.USAGE;
    }





    @Command(name = "simulate", mixinStandardHelpOptions = true,
            description = "Model hot-standby replay and recovery conflicts (not yet implemented).")
    static final class Simulate extends NotYetImplemented { }

}
