package io.walstream.cli;

import io.walstream.pgcluster.PgCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's write load: one background JDBC connection inserting small batches into {@code demo_orders},
 * each batch its own transaction, so WAL keeps flowing while walstream archives it.
 */
final class DemoLoad implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoLoad.class);
    static final String TABLE = "demo_orders";
    private static final int ROWS_PER_BATCH = 500;

    private final PgCluster primary;
    private final AtomicLong rows = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean held;
    private volatile Throwable failure;

    private DemoLoad(PgCluster primary) {
        this.primary = primary;
        this.thread = new Thread(this::run, "walstream-demo-load");
        this.thread.setDaemon(true);
    }

    static DemoLoad start(PgCluster primary) {
        primary.execute("CREATE TABLE " + TABLE + " (id bigserial PRIMARY KEY, customer int NOT NULL,"
                + " amount numeric(10,2) NOT NULL, note text NOT NULL, created timestamptz NOT NULL DEFAULT now())");
        DemoLoad load = new DemoLoad(primary);
        load.thread.start();
        return load;
    }

    private void run() {
        String batch = "INSERT INTO " + TABLE + " (customer, amount, note) SELECT (random() * 1000)::int,"
                + " round((random() * 500)::numeric, 2), repeat(md5(random()::text), 3) FROM generate_series(1, "
                + ROWS_PER_BATCH + ")";
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            while (!stopping) {
                if (held) {
                    Thread.sleep(100);
                    continue;
                }
                s.executeUpdate(batch);
                rows.addAndGet(ROWS_PER_BATCH);
                // A breather per batch keeps the load to a few MB/s, so two cores also run the receiver and standby.
                Thread.sleep(40);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException | RuntimeException e) {
            if (!stopping) {
                failure = e;
                log.warn("write load stopped: {}", e.getMessage());
            }
        }
    }

    /** Holds the load while the demo waits for someone to press Enter, so the WAL it writes stays small. */
    void hold(boolean hold) {
        held = hold;
    }

    long rows() {
        return rows.get();
    }

    /** Stops after the batch in flight commits; throws if the load had failed on its own. */
    void stop() {
        stopping = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new IllegalStateException("the write load failed: " + failure.getMessage(), failure);
        }
    }

    /** Stops without waiting (Ctrl-C: the server goes away under it). */
    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
    }
}
