package io.walstream.walreceiver.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SslModeAndFriendsTest {

    @ParameterizedTest
    @CsvSource({"disable, DISABLE", "allow, ALLOW", "prefer, PREFER", "require, REQUIRE",
        "verify-ca, VERIFY_CA", "verify-full, VERIFY_FULL"})
    void sslModeParsesLibpqSpelling(String spelling, SslMode mode) {
        assertThat(SslMode.parse(spelling)).isEqualTo(mode);
        assertThat(mode.libpqName()).isEqualTo(spelling);
    }

    @Test
    void sslModeIsCaseSensitiveLikeLibpq() {
        assertThatThrownBy(() -> SslMode.parse("VERIFY-FULL"))
                .isInstanceOf(ConnInfoException.class)
                .hasMessage("invalid sslmode value: \"VERIFY-FULL\"");
        assertThatThrownBy(() -> SslMode.parse("verify_ca")).hasMessage("invalid sslmode value: \"verify_ca\"");
    }

    @Test
    void onlyVerifyModesVerifyCertificates() {
        assertThat(SslMode.values()).filteredOn(SslMode::verifiesCertificate)
                .containsExactly(SslMode.VERIFY_CA, SslMode.VERIFY_FULL);
    }

    @ParameterizedTest
    @EnumSource(ChannelBinding.class)
    void channelBindingRoundTrips(ChannelBinding mode) {
        assertThat(ChannelBinding.parse(mode.libpqName())).isEqualTo(mode);
    }

    @Test
    void badChannelBinding() {
        assertThatThrownBy(() -> ChannelBinding.parse("Require"))
                .isInstanceOf(ConnInfoException.class)
                .hasMessage("invalid channel_binding value: \"Require\"");
    }

    @Test
    void hostPortToString() {
        assertThat(new HostPort("db1", 5432)).hasToString("db1:5432");
        assertThat(new HostPort("::1", 5433)).hasToString("[::1]:5433");
        assertThat(new HostPort("db1", 5432, "10.0.0.1")).hasToString("db1:5432 (10.0.0.1)");
        assertThat(new HostPort("/tmp", 5432)).hasToString("/tmp:5432");
    }

    @Test
    void hostPortKinds() {
        assertThat(new HostPort("/var/run/postgresql", 5432).isUnixSocket()).isTrue();
        assertThat(new HostPort("@abstract", 5432).isUnixSocket()).isTrue();
        assertThat(new HostPort("db1", 5432).isUnixSocket()).isFalse();
        assertThat(new HostPort("db1", 5432).connectAddress()).isEqualTo("db1");
        assertThat(new HostPort("db1", 5432, "10.0.0.1").connectAddress()).isEqualTo("10.0.0.1");
    }

    @Test
    void hostPortRejectsBadPorts() {
        assertThatThrownBy(() -> new HostPort("h", 0)).isInstanceOf(ConnInfoException.class)
                .hasMessage("invalid port number: \"0\"");
        assertThatThrownBy(() -> new HostPort("h", 65536)).isInstanceOf(ConnInfoException.class);
        assertThatThrownBy(() -> new HostPort(null, 5432)).isInstanceOf(NullPointerException.class);
    }
}
