package io.walstream.walreceiver;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.exception.ScramException;
import com.ongres.scram.common.util.TlsServerEndpoint;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.walstream.protocol.message.backend.Authentication;
import io.walstream.protocol.message.frontend.PasswordMessage;
import io.walstream.protocol.message.frontend.SASLInitialResponse;
import io.walstream.protocol.message.frontend.SASLResponse;
import io.walstream.walreceiver.conn.ChannelBinding;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Answers the server's authentication requests after the startup packet: trust, cleartext
 * password, MD5, or SCRAM-SHA-256 (-PLUS, bound to the TLS certificate, when TLS is up and
 * channel_binding allows it). On AuthenticationOk it removes itself and passes the Ok on, so
 * that {@link ProtocolHandler} only ever sees an authenticated connection. What it refuses
 * (a method channel_binding=require forbids, no password, a server signature that does not
 * verify) goes down the pipeline as a {@link ConnectionException}; every other message, such
 * as the ErrorResponse of a wrong password, passes on untouched.
 */
final class Authenticator extends ChannelInboundHandlerAdapter {

    static final String HANDLER = "authenticator";

    private final ProtocolHandler.Login login;
    /** Set by AuthenticationSASL, used by SASLContinue and SASLFinal. */
    private ScramClient scram;
    /** True once a SCRAM-SHA-256-PLUS exchange verified the server over this TLS channel. */
    private boolean channelBound;

    Authenticator(ProtocolHandler.Login login) {
        this.login = login;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Authentication request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (request instanceof Authentication.Ok) {
                checkBindingDone();
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(request);
            } else {
                answer(ctx, request);
            }
        } catch (RuntimeException e) {
            ctx.fireExceptionCaught(e);
        }
    }

    private void checkBindingDone() {
        if (login.channelBinding() == ChannelBinding.REQUIRE && !channelBound) {
            // libpq: channel_binding=require refuses a server that skips SCRAM (trust) or uses another method.
            throw new ConnectionException("channel binding required, but the server authenticated the client"
                    + " without channel binding");
        }
    }

    private void answer(ChannelHandlerContext ctx, Authentication request) {
        boolean bindingRequired = login.channelBinding() == ChannelBinding.REQUIRE;
        if (request instanceof Authentication.CleartextPassword) {
            refuseWithoutBinding(bindingRequired, "password");
            ctx.writeAndFlush(PasswordMessage.cleartext(requirePassword()));
        } else if (request instanceof Authentication.MD5Password md5) {
            refuseWithoutBinding(bindingRequired, "md5");
            ctx.writeAndFlush(PasswordMessage.md5(login.user(), requirePassword(), md5.salt()));
        } else if (request instanceof Authentication.Sasl sasl) {
            startScram(ctx, sasl.mechanisms());
        } else if (request instanceof Authentication.SaslContinue c) {
            try {
                requireScram(request).serverFirstMessage(new String(c.data(), StandardCharsets.UTF_8));
            } catch (ScramException e) {
                throw new ConnectionException("SCRAM server-first-message refused: " + e.getMessage(), e);
            }
            ctx.writeAndFlush(new SASLResponse(
                    scram.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8)));
        } else if (request instanceof Authentication.SaslFinal f) {
            try {
                requireScram(request).serverFinalMessage(new String(f.data(), StandardCharsets.UTF_8));
            } catch (ScramException e) {
                throw new ConnectionException("SCRAM server signature refused (the server may not know the"
                        + " password): " + e.getMessage(), e);
            }
            channelBound = scram.getScramMechanism().isPlus();
        } else {
            throw new ConnectionException("the server asks for authentication walstream does not support: " + request
                    + " (supported: trust, password, md5, scram-sha-256)");
        }
    }

    private void refuseWithoutBinding(boolean bindingRequired, String method) {
        if (bindingRequired) {
            throw new ConnectionException("channel binding required, but the server asked for " + method
                    + " authentication");
        }
    }

    private String requirePassword() {
        if (login.password() == null) {
            throw new ConnectionException("the server asks for a password and none was given"
                    + " (set PGPASSWORD, a password file, or password= in the connection string)");
        }
        return login.password();
    }

    private ScramClient requireScram(Authentication request) {
        if (scram == null) {
            throw new ConnectionException(request + " before AuthenticationSASL");
        }
        return scram;
    }

    private void startScram(ChannelHandlerContext ctx, List<String> advertised) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        List<String> mechanisms = advertised;
        byte[] cbindData = null;
        if (tls != null && login.channelBinding() != ChannelBinding.DISABLE) {
            cbindData = serverEndPoint(tls);
        }
        if (cbindData == null) {
            mechanisms = advertised.stream().filter(m -> !m.endsWith("-PLUS")).toList();
        }
        if (login.channelBinding() == ChannelBinding.REQUIRE
                && (cbindData == null || advertised.stream().noneMatch(m -> m.endsWith("-PLUS")))) {
            throw new ConnectionException("channel binding required, but "
                    + (tls == null ? "the connection does not use TLS" : "the server does not offer SCRAM-SHA-256-PLUS"));
        }
        ScramClient.FinalBuildStage builder = ScramClient.builder()
                .advertisedMechanisms(mechanisms)
                .username("*") // the server takes the user from the startup packet
                .password(requirePassword().toCharArray());
        if (cbindData != null) {
            builder.channelBinding(TlsServerEndpoint.TLS_SERVER_END_POINT, cbindData);
        }
        scram = builder.build();
        ctx.writeAndFlush(new SASLInitialResponse(scram.getScramMechanism().getName(),
                scram.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** tls-server-end-point: a hash of the server's certificate (RFC 5929). */
    private static byte[] serverEndPoint(SslHandler tls) {
        try {
            Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate cert
                    ? TlsServerEndpoint.getChannelBindingData(cert) : null;
        } catch (SSLPeerUnverifiedException | CertificateEncodingException e) {
            return null;
        }
    }
}
