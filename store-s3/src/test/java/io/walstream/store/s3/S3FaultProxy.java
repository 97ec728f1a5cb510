package io.walstream.store.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An HTTP proxy in front of S3Proxy for fault injection: it answers some requests itself (503 SlowDown, a 412 for
 * {@code If-None-Match: *} onto an existing key, which S3Proxy would ignore) and drops the answer of others after
 * the server carried them out (a lost PUT response). Everything else passes unchanged, the Host header included,
 * so SigV4 signatures still hold; each connection carries one request ({@code Connection: close}, which is not
 * signed).
 */
public final class S3FaultProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final URI backend;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "s3-fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private volatile Predicate<String> existingObject;
    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger dropNextPutResponse = new AtomicInteger();
    private final AtomicInteger puts = new AtomicInteger();
    private final AtomicInteger droppedResponses = new AtomicInteger();
    private final AtomicInteger conditionalRefusals = new AtomicInteger();
    private final AtomicInteger corruptNextPutBody = new AtomicInteger();
    private final java.util.Set<String> payloadHashes = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private S3FaultProxy(URI backend) throws IOException {
        this.backend = backend;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.execute(this::acceptLoop);
    }

    public static S3FaultProxy start(URI backend) {
        try {
            return new S3FaultProxy(backend);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /**
     * Answers a PUT carrying {@code If-None-Match: *} with 412 when {@code exists} says the request path
     * ({@code /BUCKET/KEY}) already holds an object: a store that honours conditional writes.
     */
    public void honourIfNoneMatch(Predicate<String> exists) {
        this.existingObject = exists;
    }

    /** The next {@code n} requests are answered 503 SlowDown without reaching the server. */
    public void failNext(int n) {
        failNext.set(n);
    }

    /** The next {@code n} PUTs reach the server, but their answers are dropped (the connection is reset). */
    public void dropNextPutResponses(int n) {
        dropNextPutResponse.set(n);
    }

    /** The next {@code n} PUTs with a body reach the server with one byte of it flipped, as a bad link would. */
    public void corruptNextPutBodies(int n) {
        corruptNextPutBody.set(n);
    }

    /** Every {@code x-amz-content-sha256} seen on a PUT of a non-empty object (UNSIGNED-PAYLOAD, STREAMING-…, a hash). */
    public java.util.Set<String> payloadHashes() {
        return payloadHashes;
    }

    public int puts() {
        return puts.get();
    }

    public int droppedResponses() {
        return droppedResponses.get();
    }

    public int conditionalRefusals() {
        return conditionalRefusals.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                pool.execute(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            List<String> lines = new ArrayList<>(List.of(head.split("\r\n")));
            String requestLine = lines.remove(0);
            Map<String, String> headers = new LinkedHashMap<>();
            List<String> forwarded = new ArrayList<>();
            forwarded.add(requestLine);
            for (String line : lines) {
                int colon = line.indexOf(':');
                String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                headers.put(name, line.substring(colon + 1).trim());
                if (!name.equals("connection") && !name.equals("expect")) {
                    forwarded.add(line);
                }
            }
            forwarded.add("Connection: close");
            if (headers.containsKey("transfer-encoding")) {
                throw new IllegalStateException("chunked requests are not handled: " + requestLine);
            }
            if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            String method = requestLine.substring(0, requestLine.indexOf(' '));
            String path = requestLine.split(" ")[1];
            String pathOnly = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            boolean put = method.equals("PUT");
            if (put) {
                puts.incrementAndGet();
                boolean content = !"0".equals(headers.getOrDefault("x-amz-decoded-content-length",
                        headers.get("content-length")));
                if (content) {
                    payloadHashes.add(headers.getOrDefault("x-amz-content-sha256", "none"));
                    if (corruptNextPutBody.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        body[body.length / 2] ^= 0x01;
                    }
                }
            }
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                answer(out, 503, "Service Unavailable", "SlowDown", "Please reduce your request rate.");
                return;
            }
            Predicate<String> exists = existingObject;
            if (put && exists != null && "*".equals(headers.get("if-none-match")) && exists.test(pathOnly)) {
                conditionalRefusals.incrementAndGet();
                answer(out, 412, "Precondition Failed", "PreconditionFailed",
                        "At least one of the pre-conditions you specified did not hold");
                return;
            }
            byte[] response = forward(String.join("\r\n", forwarded) + "\r\n\r\n", body);
            if (put && dropNextPutResponse.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                droppedResponses.incrementAndGet();
                client.setSoLinger(true, 0); // a reset, as a cut connection
                return;
            }
            out.write(response);
            out.flush();
        } catch (IOException e) {
            // the client went away
        }
    }

    private byte[] forward(String head, byte[] body) throws IOException {
        try (Socket server = new Socket()) {
            server.connect(new InetSocketAddress(backend.getHost(), backend.getPort()), 5000);
            OutputStream out = server.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return server.getInputStream().readAllBytes();
        }
    }

    private static void answer(OutputStream out, int status, String reason, String code, String message)
            throws IOException {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                + message + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /** The request line and headers, up to the blank line; null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
            if (matched == 4) {
                String s = head.toString(StandardCharsets.ISO_8859_1);
                return s.substring(0, s.length() - 4);
            }
        }
        return null;
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        pool.shutdownNow();
    }
}
