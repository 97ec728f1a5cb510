package io.walstream.walreceiver;

import java.util.concurrent.TimeUnit;

/** Test helper: waits for a stream's end at most a minute, so that a stream that never ends fails the test. */
final class StreamEnds {

    private StreamEnds() {
    }

    /** {@link ReplicationStream#await()} (same result, same exceptions), or a TimeoutException after 60 s. */
    static StreamEnd await(ReplicationStream stream) {
        stream.result().orTimeout(60, TimeUnit.SECONDS);
        return stream.await();
    }
}
