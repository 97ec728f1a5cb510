package io.walstream.walreceiver.conn;

import java.util.Locale;

/** libpq's {@code channel_binding}: whether SCRAM must bind to the TLS channel. */
public enum ChannelBinding {
    DISABLE, PREFER, REQUIRE;

    /** Parses libpq's spelling ({@code disable}, {@code prefer}, {@code require}). */
    public static ChannelBinding parse(String value) {
        for (ChannelBinding mode : values()) {
            if (mode.libpqName().equals(value)) {
                return mode;
            }
        }
        throw new ConnInfoException("invalid channel_binding value: \"" + value + "\"");
    }

    public String libpqName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
