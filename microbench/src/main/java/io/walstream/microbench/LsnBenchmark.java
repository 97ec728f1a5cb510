package io.walstream.microbench;

import io.walstream.protocol.Lsn;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Lsn} parse and format ({@code %X/%X}). Not on the per-message path (XLogData carries raw longs), but used for
 * every command, status line and log message. {@code lsn}: a short one and one with both halves eight digits.
 * Score: ns per call; {@code -prof gc} gives bytes per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"})
@State(Scope.Thread)
public class LsnBenchmark {

    @Param({"0/3000028", "16AB0C2F/B374D848"})
    String lsn;

    private long value;

    @Setup
    public void setUp() {
        value = Lsn.parse(lsn).value();
    }

    /** Parse to the raw value, which lets escape analysis drop the {@code Lsn}. */
    @Benchmark
    public long parseValue() {
        return Lsn.parse(lsn).value();
    }

    /** Parse and keep the {@code Lsn} (it escapes). */
    @Benchmark
    public Lsn parse() {
        return Lsn.parse(lsn);
    }

    @Benchmark
    public String format() {
        return Lsn.format(value);
    }
}
