package io.walstream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A consumer waiting on an upstream stage sleeps (not spins) and wakes when that stage signals. */
class StageWaitStrategyTest {

    private final Sequence cursor = new Sequence(10);
    private final Sequence upstream = new Sequence(4);
    private final Barrier barrier = new Barrier();

    @Test
    void sleepsWhileTheUpstreamStageIsBehindAndWakesWhenItSignals() throws Exception {
        StageWaitStrategy wait = new StageWaitStrategy(1, TimeUnit.MINUTES);
        CompletableFuture<Long> available = new CompletableFuture<>();
        Thread consumer = new Thread(() -> {
            try {
                available.complete(wait.waitFor(5, cursor, upstream, barrier));
            } catch (Throwable t) {
                available.completeExceptionally(t);
            }
        });
        consumer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (consumer.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(consumer.getState()).as("parked, not spinning on the upstream sequence")
                .isEqualTo(Thread.State.TIMED_WAITING);
        assertThat(available).isNotDone();

        upstream.set(7);
        wait.signalAllWhenBlocking();
        assertThat(available.get(30, TimeUnit.SECONDS)).isEqualTo(7);
    }

    @Test
    void returnsAtOnceWhenTheUpstreamStageIsAhead() throws Exception {
        assertThat(new StageWaitStrategy(1, TimeUnit.MINUTES).waitFor(3, cursor, upstream, barrier)).isEqualTo(4);
    }

    @Test
    void timesOutSoTheFlusherCanFsyncWhileIdle() {
        StageWaitStrategy wait = new StageWaitStrategy(20, TimeUnit.MILLISECONDS);
        assertThatThrownBy(() -> wait.waitFor(5, cursor, upstream, barrier)).isSameAs(TimeoutException.INSTANCE);
    }

    @Test
    void anAlertEndsTheWait() {
        barrier.alert();
        StageWaitStrategy wait = new StageWaitStrategy(1, TimeUnit.MINUTES);
        assertThatThrownBy(() -> wait.waitFor(5, cursor, upstream, barrier)).isSameAs(AlertException.INSTANCE);
    }

    private static final class Barrier implements SequenceBarrier {
        private volatile boolean alerted;

        @Override
        public long waitFor(long sequence) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long getCursor() {
            return 0;
        }

        @Override
        public boolean isAlerted() {
            return alerted;
        }

        @Override
        public void alert() {
            alerted = true;
        }

        @Override
        public void clearAlert() {
            alerted = false;
        }

        @Override
        public void checkAlert() throws AlertException {
            if (alerted) {
                throw AlertException.INSTANCE;
            }
        }
    }
}
