package io.walstream.replaysim;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Closed-loop standby clients: each runs one query at a time and starts its next when the last one ended, after a
 * think time when it completed, after the retry delay when it was cancelled (then the same query again, as an
 * application that retries SQLSTATE 40001 does). Unlike a trace of start times, a cancellation makes the next query:
 * a retry while replay is behind takes a snapshot as old as the one just cancelled and meets the next cleanup record.
 *
 * @param count       how many clients
 * @param fromMicros  when they start their first queries (the receipts' clock)
 * @param untilMicros no query starts at or after this
 * @param mix         what they run
 * @param retry       what they do after a query ends
 * @param seed        the queries' random choices; the same seed gives the same queries in the same order per client
 */
public record StandbyClients(int count, long fromMicros, long untilMicros, QueryMix mix, RetryPolicy retry, long seed) {

    public StandbyClients {
        if (count < 0 || untilMicros < fromMicros) {
            throw new IllegalArgumentException("a client count of 0 or more, and an end after the start");
        }
    }

    /** Client {@code client}'s random choices: the simulator's, and a real harness's that runs the same clients. */
    public SplittableRandom random(int client) {
        return new SplittableRandom(seed * 1_000_003L + client);
    }

    /**
     * One kind of query of the mix, chosen with probability {@code weight} / the sum of the weights: its database, the
     * relations it reads ({@code pg_class} OIDs: what the WAL's locks name), whether it runs inside an explicit
     * transaction (a cancel is then FATAL), and the pages it keeps pinned (relfilenumber and block: what cleanup
     * records name).
     */
    public record QueryKind(double weight, int dbOid, List<Integer> relations, boolean inTransactionBlock,
            List<Block> pinnedBlocks) {

        public QueryKind {
            if (!(weight > 0)) {
                throw new IllegalArgumentException("a query kind's weight is positive, not " + weight);
            }
            relations = List.copyOf(relations);
            pinnedBlocks = List.copyOf(pinnedBlocks);
        }
    }

    /** The queries: durations of mean {@code meanDurationMicros}, exponentially distributed or all the same. */
    public record QueryMix(long meanDurationMicros, boolean exponential, List<QueryKind> kinds) {

        public QueryMix {
            if (meanDurationMicros < 0 || kinds.isEmpty()) {
                throw new IllegalArgumentException("a mix has a duration of 0 or more and at least one kind of query");
            }
            kinds = List.copyOf(kinds);
        }

        /** The next query's kind and duration, drawn from {@code random}. */
        public Draw draw(SplittableRandom random) {
            double total = kinds.stream().mapToDouble(QueryKind::weight).sum();
            double pick = random.nextDouble() * total;
            QueryKind kind = kinds.get(kinds.size() - 1);
            for (QueryKind k : kinds) {
                pick -= k.weight();
                if (pick < 0) {
                    kind = k;
                    break;
                }
            }
            long duration = exponential ? (long) (-Math.log(1 - random.nextDouble()) * meanDurationMicros)
                    : meanDurationMicros;
            return new Draw(kind, duration);
        }
    }

    /** A query drawn from the mix. */
    public record Draw(QueryKind kind, long durationMicros) {
    }

    /**
     * What a client does after a query ended. Cancelled: when {@code retry}, the same query again after
     * {@code retryMicros}, multiplied by {@code backoffFactor} for each further cancellation in a row, up to
     * {@code maxRetryMicros}; without retry it moves on to the next query after the think time. Completed: the next
     * query after {@code thinkMicros}.
     */
    public record RetryPolicy(boolean retry, long retryMicros, double backoffFactor, long maxRetryMicros,
            long thinkMicros) {

        /** An application that retries at once (a round trip: 1 ms) and starts its next query as soon as one completes. */
        public static RetryPolicy atOnce() {
            return new RetryPolicy(true, 1_000, 1, 1_000, 0);
        }

        public RetryPolicy {
            if (retryMicros < 0 || maxRetryMicros < retryMicros || backoffFactor < 1 || thinkMicros < 0) {
                throw new IllegalArgumentException("retry delays of 0 or more, growing by a factor of 1 or more");
            }
        }

        /** The delay before the {@code cancelsInARow}-th retry in a row (1 for the first). */
        public long retryDelay(int cancelsInARow) {
            double d = retryMicros * Math.pow(backoffFactor, Math.max(0, cancelsInARow - 1));
            return (long) Math.min(d, maxRetryMicros);
        }
    }
}
