package io.walstream.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class if Netty's leak detector (paranoid in this build) reports a leaked buffer. Leaks are found when
 * the garbage collector has cleared a buffer that was never released, so this forces a few collections at the end.
 */
public final class NoLeaks implements BeforeAllCallback, AfterAllCallback {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        ByteBufUtil.setLeakListener((resourceType, records) -> LEAKS.add(resourceType + ": " + records));
        LEAKS.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
            // The detector reports collected, unreleased buffers when it tracks a new one.
            PooledByteBufAllocator.DEFAULT.buffer(8).release();
            UnpooledByteBufAllocator.DEFAULT.buffer(8).release();
        }
        assertThat(LEAKS).as("buffers leaked in " + context.getDisplayName()).isEmpty();
    }
}
