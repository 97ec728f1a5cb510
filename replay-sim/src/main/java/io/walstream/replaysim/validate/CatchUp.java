package io.walstream.replaysim.validate;

import java.util.ArrayList;
import java.util.List;

/**
 * How long replay takes to catch up after a wait, from each commit's receipt and replay time (in WAL order). A wait shows
 * as a gap: commit {@code i} replayed at least {@code minWait} after commit {@code i - 1} although it had arrived long
 * before. Replay then goes on at {@code replayed[i]} with a backlog: every commit received by then; the catch-up is the
 * time until the last of those is replayed (what the backlog's records cost, and any cancellation or wait on the way).
 */
final class CatchUp {

    /** One wait: the commit replay went on with (its index), when, and how long replay took to catch up. */
    record Episode(int commit, long resumedMicros, long catchUpMicros) {
    }

    private CatchUp() {
    }

    /** The waits of at least {@code minWaitMicros} in a commit series; {@code replayed[i] < 0}: not seen, skipped. */
    static List<Episode> episodes(long[] received, long[] replayed, long minWaitMicros) {
        List<Episode> episodes = new ArrayList<>();
        int previous = -1;
        for (int i = 0; i < received.length; i++) {
            if (replayed[i] < 0) {
                continue;
            }
            if (previous >= 0 && replayed[i] - replayed[previous] >= minWaitMicros
                    && replayed[i] - received[i] >= minWaitMicros) {
                long resumed = replayed[i];
                long caughtUp = resumed;
                for (int j = i; j < received.length && received[j] <= resumed; j++) {
                    caughtUp = Math.max(caughtUp, replayed[j]);
                }
                episodes.add(new Episode(i, resumed, caughtUp - resumed));
            }
            previous = i;
        }
        return episodes;
    }

    /**
     * Real and simulated catch-up after their waits: how many each side had, medians and means in microseconds; null
     * when either had none. All of each side's waits, not pairs: closed-loop clients soon wait at other records on the
     * two sides (which record a retry conflicts with depends on when it started), with the same counts and lag.
     */
    static Comparison compare(List<Episode> real, List<Episode> simulated) {
        if (real.isEmpty() || simulated.isEmpty()) {
            return null;
        }
        List<Long> r = real.stream().map(Episode::catchUpMicros).toList();
        List<Long> s = simulated.stream().map(Episode::catchUpMicros).toList();
        return new Comparison(r.size(), s.size(), median(r), median(s), mean(r), mean(s));
    }

    /** Catch-up after the {@code real} and {@code simulated} waits. */
    record Comparison(int real, int simulated, long realMedian, long simMedian, long realMean, long simMean) {

        /** Median and mean within ±20 % or ±10 ms (the real side's replay is polled every 10 ms). */
        boolean within() {
            return close(simMedian, realMedian) && close(simMean, realMean);
        }

        private static boolean close(long sim, long real) {
            return Math.abs(sim - real) <= Math.max(10_000, 0.2 * real);
        }
    }

    private static long median(List<Long> v) {
        long[] sorted = v.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[(sorted.length - 1) / 2];
    }

    private static long mean(List<Long> v) {
        return Math.round(v.stream().mapToLong(Long::longValue).average().orElse(0));
    }
}
