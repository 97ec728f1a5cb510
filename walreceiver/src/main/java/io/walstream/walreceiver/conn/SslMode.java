package io.walstream.walreceiver.conn;

import java.util.Locale;

/** libpq's {@code sslmode}, from weakest to strictest. */
public enum SslMode {
    DISABLE, ALLOW, PREFER, REQUIRE, VERIFY_CA, VERIFY_FULL;

    /** Parses libpq's spelling, e.g. {@code verify-full}; case-sensitive like libpq. */
    public static SslMode parse(String value) {
        for (SslMode mode : values()) {
            if (mode.libpqName().equals(value)) {
                return mode;
            }
        }
        throw new ConnInfoException("invalid sslmode value: \"" + value + "\"");
    }

    /** The spelling libpq uses, e.g. {@code verify-full}. */
    public String libpqName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** True for the modes that check the server certificate against a root certificate. */
    public boolean verifiesCertificate() {
        return this == VERIFY_CA || this == VERIFY_FULL;
    }
}
