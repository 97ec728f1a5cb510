package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.walstream.protocol.ProtocolViolationException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The AuthenticationXxx family ({@code 'R'}): one type per request code. */
public sealed interface Authentication extends BackendMessage {

    int OK = 0;
    int KERBEROS_V5 = 2;
    int CLEARTEXT_PASSWORD = 3;
    int MD5_PASSWORD = 5;
    int GSS = 7;
    int GSS_CONTINUE = 8;
    int SSPI = 9;
    int SASL = 10;
    int SASL_CONTINUE = 11;
    int SASL_FINAL = 12;

    /** The request code on the wire. */
    int code();

    static Authentication decode(ByteBuf body) {
        int code = body.readInt();
        return switch (code) {
            case OK -> Ok.INSTANCE;
            case KERBEROS_V5 -> KerberosV5.INSTANCE;
            case CLEARTEXT_PASSWORD -> CleartextPassword.INSTANCE;
            case MD5_PASSWORD -> new MD5Password(Decoding.bytes(body, 4));
            case GSS -> Gss.INSTANCE;
            case GSS_CONTINUE -> new GssContinue(Decoding.remaining(body));
            case SSPI -> Sspi.INSTANCE;
            case SASL -> {
                List<String> mechanisms = new ArrayList<>();
                for (String m = Decoding.cString(body, "AuthenticationSASL"); !m.isEmpty(); m = Decoding.cString(body, "AuthenticationSASL")) {
                    mechanisms.add(m);
                }
                yield new Sasl(mechanisms);
            }
            case SASL_CONTINUE -> new SaslContinue(Decoding.remaining(body));
            case SASL_FINAL -> new SaslFinal(Decoding.remaining(body));
            default -> throw new ProtocolViolationException("unknown Authentication request code: " + code);
        };
    }

    /** AuthenticationOk: authentication succeeded. */
    final class Ok implements Authentication {
        public static final Ok INSTANCE = new Ok();

        private Ok() {
        }

        @Override
        public int code() {
            return OK;
        }

        @Override
        public String toString() {
            return "AuthenticationOk";
        }
    }

    /** AuthenticationKerberosV5: not supported by any current server. */
    final class KerberosV5 implements Authentication {
        public static final KerberosV5 INSTANCE = new KerberosV5();

        private KerberosV5() {
        }

        @Override
        public int code() {
            return KERBEROS_V5;
        }

        @Override
        public String toString() {
            return "AuthenticationKerberosV5";
        }
    }

    /** AuthenticationCleartextPassword: send the password as is. */
    final class CleartextPassword implements Authentication {
        public static final CleartextPassword INSTANCE = new CleartextPassword();

        private CleartextPassword() {
        }

        @Override
        public int code() {
            return CLEARTEXT_PASSWORD;
        }

        @Override
        public String toString() {
            return "AuthenticationCleartextPassword";
        }
    }

    /** AuthenticationMD5Password with its 4-byte salt. */
    record MD5Password(byte[] salt) implements Authentication {
        public MD5Password {
            if (salt.length != 4) {
                throw new IllegalArgumentException("MD5 salt length: " + salt.length + " (expected: 4)");
            }
            salt = salt.clone();
        }

        @Override
        public byte[] salt() {
            return salt.clone();
        }

        @Override
        public int code() {
            return MD5_PASSWORD;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MD5Password other && Arrays.equals(salt, other.salt);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(salt);
        }

        @Override
        public String toString() {
            return "AuthenticationMD5Password(salt=" + salt.length + " bytes)";
        }
    }

    /** AuthenticationGSS: start a GSSAPI exchange. */
    final class Gss implements Authentication {
        public static final Gss INSTANCE = new Gss();

        private Gss() {
        }

        @Override
        public int code() {
            return GSS;
        }

        @Override
        public String toString() {
            return "AuthenticationGSS";
        }
    }

    /** AuthenticationGSSContinue with GSSAPI or SSPI data. */
    record GssContinue(byte[] data) implements Authentication {
        public GssContinue {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public int code() {
            return GSS_CONTINUE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GssContinue other && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "AuthenticationGSSContinue(" + data.length + " bytes)";
        }
    }

    /** AuthenticationSSPI: start an SSPI exchange. */
    final class Sspi implements Authentication {
        public static final Sspi INSTANCE = new Sspi();

        private Sspi() {
        }

        @Override
        public int code() {
            return SSPI;
        }

        @Override
        public String toString() {
            return "AuthenticationSSPI";
        }
    }

    /** AuthenticationSASL with the mechanisms the server offers, in its order of preference. */
    record Sasl(List<String> mechanisms) implements Authentication {
        public Sasl {
            mechanisms = List.copyOf(mechanisms);
        }

        @Override
        public int code() {
            return SASL;
        }
    }

    /** AuthenticationSASLContinue with the server's challenge (for SCRAM, the server-first-message). */
    record SaslContinue(byte[] data) implements Authentication {
        public SaslContinue {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public int code() {
            return SASL_CONTINUE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SaslContinue other && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "AuthenticationSASLContinue(" + data.length + " bytes)";
        }
    }

    /** AuthenticationSASLFinal with the server's outcome data (for SCRAM, the server-final-message). */
    record SaslFinal(byte[] data) implements Authentication {
        public SaslFinal {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public int code() {
            return SASL_FINAL;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SaslFinal other && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "AuthenticationSASLFinal(" + data.length + " bytes)";
        }
    }
}
