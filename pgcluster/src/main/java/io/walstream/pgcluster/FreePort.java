package io.walstream.pgcluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback port for a server a test is about to start. Chosen below Linux's ephemeral range (32768–60999): a port
 * the kernel hands out for {@code bind(0)} is also handed to outgoing connections, so between finding it free and the
 * server binding it, a client's connection in a parallel test could take it ("Address already in use" in CI).
 */
public final class FreePort {

    private static final int FIRST = 20_000;
    private static final int COUNT = 12_000; // up to 31999

    private FreePort() {
    }

    /** A port nothing listens on now, on 127.0.0.1 and on the wildcard address. */
    public static int loopback() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = FIRST + ThreadLocalRandom.current().nextInt(COUNT);
            if (bindable(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                    && bindable(new InetSocketAddress(port))) {
                return port;
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort(); // below the ephemeral range all taken: a kernel's choice is still a port
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static boolean bindable(InetSocketAddress address) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(address, 1);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
