package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ongres.scram.common.exception.ScramException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.walstream.protocol.message.backend.Authentication;
import io.walstream.protocol.message.backend.BackendMessageDecoder;
import io.walstream.protocol.message.frontend.FrontendMessageEncoder;
import io.walstream.protocol.message.frontend.PasswordMessage;
import io.walstream.walreceiver.conn.ChannelBinding;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Authenticator behind the real message decoder, fed the server's bytes one at a time; what it
 * answers is read back as the bytes it writes. The SCRAM server side is computed here from RFC 5802.
 */
final class AuthenticatorTest {

    private static final String PASSWORD = "pencil";
    private static final byte[] SALT = "walstream-salt16".getBytes(StandardCharsets.US_ASCII);
    private static final int ITERATIONS = 4096;

    private EmbeddedChannel channel;

    @AfterEach
    void noLeftovers() {
        channel.finishAndReleaseAll();
    }

    @Test
    void authenticationOkRemovesItFromThePipelineAndIsPassedOn() {
        open(ChannelBinding.PREFER, null);
        feed(authentication(Authentication.OK, new byte[0]));
        assertThat(channel.pipeline().get(Authenticator.class)).isNull();
        assertThat((Object) channel.readInbound()).isSameAs(Authentication.Ok.INSTANCE);
    }

    @Test
    void scramWithTheRightServerSignatureThenOkLeavesAnAuthenticatedConnection() throws Exception {
        open(ChannelBinding.PREFER, PASSWORD);
        ScramExchange scram = exchangeUpToServerFinal();
        assertThat(scram.clientProof()).isEqualTo(scram.expectedClientProof());

        feed(authentication(Authentication.SASL_FINAL, ("v=" + b64(scram.serverSignature())).getBytes(StandardCharsets.UTF_8)));
        assertThat(channel.pipeline().get(Authenticator.class)).isNotNull(); // still waiting for AuthenticationOk
        feed(authentication(Authentication.OK, new byte[0]));
        assertThat(channel.pipeline().get(Authenticator.class)).isNull();
        assertThat((Object) channel.readInbound()).isSameAs(Authentication.Ok.INSTANCE);
    }

    @Test
    void scramWithAWrongServerSignatureIsARefusalThatNamesIt() throws Exception {
        open(ChannelBinding.PREFER, PASSWORD);
        ScramExchange scram = exchangeUpToServerFinal();
        byte[] wrong = scram.serverSignature();
        wrong[0] ^= 1;

        assertThatThrownBy(() -> feed(authentication(Authentication.SASL_FINAL,
                ("v=" + b64(wrong)).getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(ConnectionException.class)
                .hasMessageContaining("SCRAM server signature refused")
                .hasCauseInstanceOf(ScramException.class);
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.pipeline().get(Authenticator.class)).isNotNull();
    }

    @Test
    void md5AnswersWithTheSaltedHashOfUserAndPassword() {
        open(ChannelBinding.PREFER, PASSWORD);
        byte[] salt = {1, 2, 3, 4};
        feed(authentication(Authentication.MD5_PASSWORD, salt));
        ByteBuf answer = channel.readOutbound();
        try {
            assertThat(answer.readByte()).isEqualTo((byte) 'p');
            assertThat(answer.readInt()).isEqualTo(answer.readableBytes() + 4);
            assertThat(cString(answer)).isEqualTo(PasswordMessage.md5Hash("rep", PASSWORD, salt));
        } finally {
            answer.release();
        }
        assertThat(channel.pipeline().get(Authenticator.class)).isNotNull();
    }

    @Test
    void cleartextAnswersWithThePasswordAndNoPasswordIsARefusal() {
        open(ChannelBinding.PREFER, PASSWORD);
        feed(authentication(Authentication.CLEARTEXT_PASSWORD, new byte[0]));
        ByteBuf answer = channel.readOutbound();
        try {
            assertThat(answer.readByte()).isEqualTo((byte) 'p');
            assertThat(answer.readInt()).isEqualTo(answer.readableBytes() + 4);
            assertThat(cString(answer)).isEqualTo(PASSWORD);
        } finally {
            answer.release();
        }
        channel.finishAndReleaseAll();

        open(ChannelBinding.PREFER, null);
        assertThatThrownBy(() -> feed(authentication(Authentication.CLEARTEXT_PASSWORD, new byte[0])))
                .isInstanceOf(ConnectionException.class)
                .hasMessageContaining("none was given");
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void channelBindingRequiredRefusesAnOkThatSkippedScram() {
        open(ChannelBinding.REQUIRE, PASSWORD);
        assertThatThrownBy(() -> feed(authentication(Authentication.OK, new byte[0])))
                .isInstanceOf(ConnectionException.class)
                .hasMessageContaining("channel binding required");
        assertThat((Object) channel.readInbound()).isNull();
    }

    // ------------------------------------------------------------------ the exchange

    /** What both sides said up to the server-final-message, and what the server computes from it. */
    private record ScramExchange(String clientFirstBare, String serverFirst, String clientFinalWithoutProof,
                                 byte[] clientProof) {

        private String authMessage() {
            return clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof;
        }

        byte[] serverSignature() throws GeneralSecurityException {
            byte[] serverKey = hmac(saltedPassword(), "Server Key");
            return hmac(serverKey, authMessage());
        }

        byte[] expectedClientProof() throws GeneralSecurityException {
            byte[] clientKey = hmac(saltedPassword(), "Client Key");
            byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
            byte[] signature = hmac(storedKey, authMessage());
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) {
                proof[i] = (byte) (clientKey[i] ^ signature[i]);
            }
            return proof;
        }
    }

    /** AuthenticationSASL, the client-first-message, SASLContinue, the client-final-message. */
    private ScramExchange exchangeUpToServerFinal() {
        feed(authentication(Authentication.SASL, "SCRAM-SHA-256\0\0".getBytes(StandardCharsets.UTF_8)));
        ByteBuf initial = channel.readOutbound();
        String clientFirst;
        try {
            assertThat(initial.readByte()).isEqualTo((byte) 'p');
            assertThat(initial.readInt()).isEqualTo(initial.readableBytes() + 4);
            assertThat(cString(initial)).isEqualTo("SCRAM-SHA-256");
            clientFirst = initial.readCharSequence(initial.readInt(), StandardCharsets.UTF_8).toString();
        } finally {
            initial.release();
        }
        assertThat(clientFirst).startsWith("n,,n=*,r="); // no channel binding without TLS
        String clientFirstBare = clientFirst.substring(3);
        String nonce = clientFirstBare.substring("n=*,r=".length()) + "server-nonce";
        String serverFirst = "r=" + nonce + ",s=" + b64(SALT) + ",i=" + ITERATIONS;

        feed(authentication(Authentication.SASL_CONTINUE, serverFirst.getBytes(StandardCharsets.UTF_8)));
        ByteBuf response = channel.readOutbound();
        String clientFinal;
        try {
            assertThat(response.readByte()).isEqualTo((byte) 'p');
            int length = response.readInt();
            clientFinal = response.readCharSequence(length - 4, StandardCharsets.UTF_8).toString();
        } finally {
            response.release();
        }
        int proofAt = clientFinal.lastIndexOf(",p=");
        assertThat(clientFinal).startsWith("c=biws,r=" + nonce + ",p=");
        return new ScramExchange(clientFirstBare, serverFirst, clientFinal.substring(0, proofAt),
                Base64.getDecoder().decode(clientFinal.substring(proofAt + 3)));
    }

    // ------------------------------------------------------------------ helpers

    private void open(ChannelBinding binding, String password) {
        channel = new EmbeddedChannel(new FrontendMessageEncoder(), new BackendMessageDecoder(),
                new Authenticator(new ProtocolHandler.Login("rep", password, Map.of("user", "rep"), binding)));
    }

    /** One byte per read, as the slowest network would deliver the message. */
    private void feed(byte[] message) {
        for (byte b : message) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
    }

    /** An AuthenticationXxx message ({@code 'R'}) on the wire. */
    private static byte[] authentication(int code, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('R');
        out.writeBytes(ByteBuffer.allocate(8).putInt(4 + 4 + payload.length).putInt(code).array());
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static String cString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        String s = buf.readCharSequence(end - buf.readerIndex(), StandardCharsets.UTF_8).toString();
        buf.skipBytes(1);
        return s;
    }

    private static byte[] saltedPassword() throws GeneralSecurityException {
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(PASSWORD.toCharArray(), SALT, ITERATIONS, 256)).getEncoded();
    }

    private static byte[] hmac(byte[] key, String message) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
