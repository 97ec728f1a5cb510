package io.walstream.archiver.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} in the Prometheus text format (0.0.4), from the JDK's own HTTP server on one
 * daemon thread: scrapes are rare, so it costs the receiver nothing between them. What it serves comes from a
 * Prometheus registry's {@code scrape()}, which this class does not depend on:
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * try (ArchiveMetrics meters = new ArchiveMetrics(receiver); MetricsServer m = MetricsServer.start(9187, registry::scrape)) {
 *     meters.bindTo(registry);
 *     receiver.run();
 * }
 * }</pre>
 */
public final class MetricsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    /** What {@code PrometheusMeterRegistry.scrape()} writes: the text exposition format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Listens on {@code port} on the loopback interface only (0: any free port, see {@link #port()}): the
     * metrics tell WAL positions and lag to anyone who can connect, and there is no authentication.
     * Use {@link #start(InetSocketAddress, Supplier)} to listen elsewhere.
     *
     * @param exposition the text to serve, asked for on each scrape: a Prometheus registry's {@code scrape()}
     */
    public static MetricsServer start(int port, Supplier<String> exposition) {
        return start(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), exposition);
    }

    public static MetricsServer start(InetSocketAddress address, Supplier<String> exposition) {
        HttpServer server;
        try {
            server = HttpServer.create(address, 8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not listen for metrics on " + address + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "walstream-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> serve(exchange, exposition));
        server.createContext("/", exchange -> reply(exchange, 404, "not found: try /metrics\n"));
        server.start();
        MetricsServer m = new MetricsServer(server, executor);
        log.info("serving Prometheus metrics on http://{}:{}/metrics", address.getAddress().isAnyLocalAddress()
                ? "0.0.0.0" : address.getHostString(), m.port());
        return m;
    }

    private static void serve(HttpExchange exchange, Supplier<String> exposition) throws IOException {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            reply(exchange, 405, "method not allowed\n");
            return;
        }
        String text;
        try {
            text = exposition.get();
        } catch (RuntimeException e) {
            log.warn("could not collect metrics: {}", e.toString());
            reply(exchange, 500, "could not collect metrics: " + e + "\n");
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        boolean head = method.equals("HEAD");
        exchange.sendResponseHeaders(200, head ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(body);
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The port it listens on (the bound one when started with 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
