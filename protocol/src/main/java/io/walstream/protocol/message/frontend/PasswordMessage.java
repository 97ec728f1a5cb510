package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** PasswordMessage ({@code 'p'}): a cleartext password or an md5 hash, answering the matching authentication request. */
public final class PasswordMessage implements FrontendMessage {

    private final String password;

    private PasswordMessage(String password) {
        this.password = Encoding.requireCString(password, "password");
    }

    public static PasswordMessage cleartext(String password) {
        return new PasswordMessage(password);
    }

    /** The answer to AuthenticationMD5Password. */
    public static PasswordMessage md5(String user, String password, byte[] salt) {
        return new PasswordMessage(md5Hash(user, password, salt));
    }

    /** {@code "md5" + md5hex(md5hex(password + user) + salt)}, as libpq's {@code pg_md5_encrypt} computes it. */
    public static String md5Hash(String user, String password, byte[] salt) {
        if (salt.length != 4) {
            throw new IllegalArgumentException("MD5 salt length: " + salt.length + " (expected: 4)");
        }
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(password.getBytes(StandardCharsets.UTF_8));
            md5.update(user.getBytes(StandardCharsets.UTF_8));
            byte[] inner = hex(md5.digest()).getBytes(StandardCharsets.US_ASCII);
            md5.update(inner);
            md5.update(salt);
            return "md5" + hex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available", e);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit(b >> 4 & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    /** What is sent: the password itself or the md5 string. */
    public String password() {
        return password;
    }

    @Override
    public void encode(ByteBuf out) {
        int lengthIndex = Encoding.begin(out, 'p');
        Encoding.cString(out, password);
        Encoding.end(out, lengthIndex);
    }

    @Override
    public String toString() {
        return "PasswordMessage(***)";
    }
}
