package io.walstream.walreceiver;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.walstream.protocol.message.backend.BackendMessageDecoder;
import io.walstream.protocol.message.backend.SslResponse;
import io.walstream.protocol.message.backend.SslResponseDecoder;
import io.walstream.protocol.message.frontend.SSLRequest;
import io.walstream.walreceiver.conn.SslMode;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the protocol on a fresh channel: SSLRequest and the TLS handshake when the sslmode
 * asks for TLS, then the message decoders and the startup packet. Removes itself when done;
 * the {@link Authenticator} takes over from there.
 */
final class TlsNegotiator extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TlsNegotiator.class);
    static final String HANDLER = "protocol";

    private final boolean requestTls;
    private final SslMode mode;
    private final Path rootCert;
    private final String host;
    private final int port;
    private final ProtocolHandler protocol;

    TlsNegotiator(boolean requestTls, SslMode mode, Path rootCert, String host, int port, ProtocolHandler protocol) {
        this.requestTls = requestTls;
        this.mode = mode;
        this.rootCert = rootCert;
        this.host = host;
        this.port = port;
        this.protocol = protocol;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (requestTls) {
            ctx.pipeline().addFirst("ssl-response", new SslResponseDecoder());
            ctx.writeAndFlush(SSLRequest.INSTANCE);
        } else {
            beginProtocol(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof SslResponse response)) {
            ReferenceCountUtil.release(msg);
            ctx.fireExceptionCaught(new ConnectionException("unexpected message before startup: " + msg));
            return;
        }
        if (response == SslResponse.REFUSED) {
            if (mode.compareTo(SslMode.REQUIRE) >= 0) {
                ctx.fireExceptionCaught(new ConnectionException("server does not support SSL, but SSL was required"
                        + " (sslmode=" + mode.libpqName() + ")"));
                return;
            }
            beginProtocol(ctx);
            return;
        }
        SslHandler tls;
        try {
            tls = tlsContext().newHandler(ctx.alloc(), host, port);
        } catch (SSLException | RuntimeException e) {
            ctx.fireExceptionCaught(new ConnectionException("cannot set up TLS: " + e.getMessage(), e));
            return;
        }
        if (mode == SslMode.VERIFY_FULL) {
            SSLParameters params = tls.engine().getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // certificate must name the host
            tls.engine().setSSLParameters(params);
        }
        ctx.pipeline().addFirst("tls", tls);
        tls.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                warnIfSlow(tls);
                beginProtocol(ctx);
            } else {
                ctx.fireExceptionCaught(new ConnectionException("TLS handshake with " + host + ":" + port + " failed: "
                        + done.cause().getMessage(), done.cause()));
            }
        });
    }

    /**
     * The JDK's AES and SHA are fast only once C2 has compiled them to intrinsics; the launcher runs receive with C1
     * alone where the jar has BoringSSL, which can still fail to load (a musl libc, a noexec temporary directory).
     */
    private static void warnIfSlow(SslHandler tls) {
        if (boringSsl(tls) || !withoutC2()) {
            return;
        }
        log.warn("TLS runs in the JDK, not BoringSSL ({}), and this JVM has no C2 compiler"
                + " (-XX:TieredStopAtLevel=1), without which the JDK's ciphers are slow: run without that option",
                OpenSsl.unavailabilityCause() != null ? OpenSsl.unavailabilityCause().toString() : "not chosen");
    }

    /** Whether the connection's TLS runs in BoringSSL (Netty's OpenSSL engine), not in the JDK. */
    static boolean boringSsl(SslHandler tls) {
        return tls.engine() instanceof ReferenceCountedOpenSslEngine;
    }

    private static boolean withoutC2() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return vm != null && Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) < 4;
        } catch (RuntimeException e) {
            return false; // not HotSpot: nothing known
        }
    }

    /** libpq: require without a root certificate encrypts only; verify-ca and verify-full check the chain. */
    private SslContext tlsContext() throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient();
        boolean verify = mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL;
        if (verify) {
            if (rootCert == null || !Files.isReadable(rootCert)) {
                throw new SSLException("root certificate file \"" + rootCert + "\" does not exist or is unreadable;"
                        + " either provide the file (sslrootcert) or change sslmode to disable server certificate"
                        + " verification");
            }
            builder.trustManager(rootCert.toFile());
        } else if (rootCert != null && Files.isReadable(rootCert) && mode == SslMode.REQUIRE) {
            builder.trustManager(rootCert.toFile()); // libpq: require with a root certificate acts as verify-ca
        } else {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        return builder.build();
    }

    private void beginProtocol(ChannelHandlerContext ctx) {
        // Decodes CopyData into XLogData and keepalives itself once CopyBothResponse has arrived.
        // In this handler's place: ahead of the Authenticator, which reads decoded messages too.
        ctx.pipeline().addAfter(ctx.name(), "decoder", new BackendMessageDecoder());
        ctx.pipeline().remove(this);
        protocol.startup(ctx.pipeline().context(HANDLER));
    }
}
