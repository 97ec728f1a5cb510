package io.walstream.pgcluster.junit;

import io.walstream.pgcluster.PgCluster;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Prints the server logs of every cluster created during a failed test (or its class's
 * setup) to stderr, so that a red build shows what the server said. Use with
 * {@code @ExtendWith(PgClusterExtension.class)}.
 */
public final class PgClusterExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PgClusterExtension.class);
    private static final int LOG_LINES = 200;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("first", PgCluster.createdCount());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("first", PgCluster.createdCount());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        printIfFailed(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        printIfFailed(context);
    }

    private static void printIfFailed(ExtensionContext context) {
        if (context.getExecutionException().isEmpty()) {
            return;
        }
        Integer first = context.getStore(NS).get("first", Integer.class);
        List<PgCluster> created = PgCluster.created();
        for (PgCluster c : created.subList(first == null ? 0 : first, created.size())) {
            System.err.printf("%n===== %s failed; server log of %s (last %d lines) =====%n%s%n===== end of log =====%n",
                    context.getDisplayName(), c, LOG_LINES, c.logTail(LOG_LINES));
        }
    }
}
