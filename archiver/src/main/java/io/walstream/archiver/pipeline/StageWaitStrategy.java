package io.walstream.archiver.pipeline;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Blocks on the stage a consumer depends on, not only on the ring's cursor. The Disruptor's blocking
 * strategies sleep until the producer publishes, then busy-spin until the stages before the consumer have
 * passed the sequence: on two cores a flusher waiting for the writer and the verifier burned one of them
 * (JFR: most samples in {@code Util.getMinimumSequence}, catching up at 0.17x the disk's speed). Here every
 * wait sleeps, and is woken by the producer's publish or by an upstream stage that calls
 * {@link #signalAllWhenBlocking()} after advancing its own sequence. A wait ends with
 * {@link TimeoutException} after {@code timeout}, so the flusher's idle fsync still runs.
 */
final class StageWaitStrategy implements WaitStrategy {

    /** Spins before sleeping: a hand-over that is about to happen costs less than a sleep and a wake-up. */
    private static final int SPINS = 100;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private final AtomicInteger waiters = new AtomicInteger();
    private final long timeoutNanos;

    StageWaitStrategy(long timeout, TimeUnit unit) {
        this.timeoutNanos = unit.toNanos(timeout);
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, InterruptedException, TimeoutException {
        long available;
        for (int i = 0; i < SPINS; i++) {
            if ((available = dependentSequence.get()) >= sequence) {
                return available;
            }
            Thread.onSpinWait();
        }
        long left = timeoutNanos;
        lock.lock();
        try {
            // counted before the check: a stage that advances after our check sees us and signals (under the lock)
            waiters.incrementAndGet();
            try {
                while ((available = dependentSequence.get()) < sequence) {
                    barrier.checkAlert();
                    if (left <= 0) {
                        throw TimeoutException.INSTANCE;
                    }
                    left = advanced.awaitNanos(left);
                }
            } finally {
                waiters.decrementAndGet();
            }
        } finally {
            lock.unlock();
        }
        return available;
    }

    /** After a publish, or after a stage advanced its sequence: wakes the waiters, if any. */
    @Override
    public void signalAllWhenBlocking() {
        if (waiters.get() > 0) {
            lock.lock();
            try {
                advanced.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
