package io.walstream.cli;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.walstream.serve.ServeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Option;

/** The options of the WAL server, shared by {@code serve} and {@code receive --serve}. */
final class ServeServerOptions {

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serve HTTPS with this certificate chain (PEM).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The certificate's private key (PEM, PKCS#8).")
    Path tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "FILE",
            description = "Require client certificates signed by this CA (PEM): mutual TLS.")
    Path tlsClientCa;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Require 'Authorization: Bearer TOKEN', "
            + "TOKEN being this file's first line (keep it 0600); 401 without it.")
    Path tokenFile;

    @Option(names = "--prefetch", paramLabel = "N", defaultValue = "" + ServeOptions.DEFAULT_PREFETCH,
            description = "Prepare the N segments after a requested one (decompressed) ahead of the request. "
                    + "Default: ${DEFAULT-VALUE}.")
    int prefetch;

    /** Parses {@code HOST:PORT}, {@code PORT} (on 127.0.0.1) or {@code [V6]:PORT}. */
    static InetSocketAddress address(String value) {
        int colon = value.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not HOST:PORT: \"" + value + "\"");
        }
        if (port < 0 || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException("not HOST:PORT: \"" + value + "\"");
        }
        return new InetSocketAddress(host, port);
    }

    ServeOptions toOptions(InetSocketAddress listen) {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        if (tlsClientCa != null && tlsCert == null) {
            throw new IllegalArgumentException("--tls-client-ca needs --tls-cert and --tls-key");
        }
        if (prefetch < 0) {
            throw new IllegalArgumentException("--prefetch must be 0 or more");
        }
        ServeOptions options = ServeOptions.plain(listen).withPrefetch(prefetch);
        if (tokenFile != null) {
            options = options.withToken(readToken(tokenFile));
        }
        if (tlsCert != null) {
            options = options.withTls(tls());
        }
        return options;
    }

    private static String readToken(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String token = text.lines().findFirst().orElse("").strip();
            if (token.isEmpty()) {
                throw new IllegalArgumentException("--token-file " + file + " is empty");
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read --token-file " + file + ": " + e.getMessage(), e);
        }
    }

    private SslContext tls() {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(tlsCert.toFile(), tlsKey.toFile());
            if (tlsClientCa != null) {
                b.trustManager(tlsClientCa.toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("could not load the TLS certificate or key (" + tlsCert + ", "
                    + tlsKey + "): " + e.getMessage(), e);
        }
    }
}
