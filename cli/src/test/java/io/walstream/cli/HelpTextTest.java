package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every command's {@code --help}, as a new user reads it: no picocli warning (an unescaped {@code %} in a
 * description makes picocli print "[picocli WARN] Could not format" first thing), every option and parameter
 * described, and a summary line that is a whole sentence, since the parent's command list shows only that line.
 */
final class HelpTextTest {

    /** Every command path: {@code []}, {@code [receive]}, ..., {@code [bench, catchup]}. */
    static Stream<List<String>> commands() {
        List<List<String>> paths = new ArrayList<>();
        collect(Walstream.commandLine(), new ArrayList<>(), paths);
        return paths.stream();
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> into) {
        into.add(List.copyOf(path));
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName())) {
                return; // an alias: the same command again
            }
            List<String> subPath = new ArrayList<>(path);
            subPath.add(name);
            collect(sub, subPath, into);
        });
    }

    @ParameterizedTest(name = "walstream {0} --help")
    @MethodSource("commands")
    void helpPrintsNoWarningAndDescribesEveryOption(List<String> path) {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int exit;
        CommandLine cl = Walstream.commandLine();
        // picocli's tracer writes its warnings to System.err, not to the command line's err writer.
        System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
        try {
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            exit = cl.execute(args.toArray(String[]::new));
        } finally {
            System.setErr(saved);
        }
        String help = out.toString();
        String warnings = systemErr.toString(StandardCharsets.UTF_8);
        assertThat(warnings).as("stderr of walstream %s", args).doesNotContain("[picocli");
        assertThat(err.toString()).as("err of walstream %s", args).isEmpty();
        assertThat(exit).isZero();
        assertThat(help).contains("Usage: walstream" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
        // A format specifier that failed is printed raw; one that worked leaves no %n behind.
        assertThat(help).as(help).doesNotContain("%n");

        CommandSpec spec = cl.getCommandSpec();
        for (String name : path) {
            spec = spec.subcommands().get(name).getCommandSpec();
        }
        if (!path.isEmpty() && !path.equals(List.of("help"))) {
            String[] description = spec.usageMessage().description();
            assertThat(description).as("walstream %s description", path).isNotEmpty();
            assertThat(description[0].strip()).as("walstream %s summary, shown alone in its parent's list", path)
                .endsWith(".");
        }
        List<ArgSpec> arguments = new ArrayList<>(spec.options());
        arguments.addAll(spec.positionalParameters());
        for (ArgSpec a : arguments) {
            assertThat(String.join(" ", a.description()).strip()).as("description of %s in walstream %s",
                a.paramLabel() + " " + (a.isOption() ? ((CommandLine.Model.OptionSpec) a).longestName() : ""), path)
                .isNotEmpty();
        }
    }
}
