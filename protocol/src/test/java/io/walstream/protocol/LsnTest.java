package io.walstream.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

final class LsnTest {

    private static final WalSegmentSize MB16 = WalSegmentSize.ofMegabytes(16);
    private static final WalSegmentSize GB1 = WalSegmentSize.ofMegabytes(1024);

    @Test
    void lowWordIsUnsigned() {
        // r2dbc-postgresql sign-extends this to FFFFFFFFB374D848.
        assertThat(Lsn.parse("16/B374D848").value()).isEqualTo(0x16B374D848L);
        assertThat(Lsn.parse("0/80000000").value()).isEqualTo(0x80000000L);
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF").value()).isEqualTo(-1L);
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF")).hasToString("FFFFFFFF/FFFFFFFF");
    }

    @Test
    void parsesPaddedAndLowerCaseForms() {
        assertThat(Lsn.parse("0/3000158")).isEqualTo(Lsn.of(0x3000158L));
        assertThat(Lsn.parse("0/03000158")).isEqualTo(Lsn.of(0x3000158L));
        assertThat(Lsn.parse("00000016/0B374D84")).isEqualTo(Lsn.of(0x160B374D84L));
        assertThat(Lsn.parse("16/b374d848")).isEqualTo(Lsn.of(0x16B374D848L));
        assertThat(Lsn.parse("0/0")).isSameAs(Lsn.INVALID);
    }

    @Test
    void printsLikePostgres() {
        assertThat(Lsn.of(0x3000158L)).hasToString("0/3000158");
        assertThat(Lsn.of(0x1_0000_0000L)).hasToString("1/0");
        assertThat(Lsn.INVALID).hasToString("0/0");
        assertThat(Lsn.format(0x16B374D848L)).isEqualTo("16/B374D848");
        assertThat(Lsn.format(-1L)).isEqualTo("FFFFFFFF/FFFFFFFF");
        assertThat(Lsn.format(0x8000_0000_0000_000FL)).isEqualTo("80000000/F");
    }

    @Test
    void formatsAsPostgresPrintf() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long v = random.nextLong() >>> random.nextInt(64);
            assertThat(Lsn.format(v)).isEqualTo(String.format("%X/%X", v >>> 32, v & 0xFFFFFFFFL));
        }
    }

    @Test
    void roundTripsRandomValues() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            Lsn lsn = Lsn.of(random.nextLong());
            assertThat(Lsn.parse(lsn.toString())).isEqualTo(lsn);
            String padded = String.format("%X/%08X", lsn.value() >>> 32, lsn.value() & 0xFFFFFFFFL);
            assertThat(Lsn.parse(padded)).isEqualTo(lsn);
        }
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"/", "1/", "/1", "1", "123456789/0", "0/123456789", "G/0", "0/1g", "+1/0", "-1/0", "0/-1",
        " 1/0", "1/0 ", "1/0/0", "1//0", "0x1/0", "\uFF11/0"})
    void rejectsGarbageWithClearMessage(String text) {
        assertThatThrownBy(() -> Lsn.parse(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("(expected: X/X");
    }

    @Test
    void ordersUnsigned() {
        assertThat(Lsn.parse("FFFFFFFF/0")).isGreaterThan(Lsn.parse("0/1"));
        assertThat(Lsn.parse("0/80000000").isAfter(Lsn.parse("0/7FFFFFFF"))).isTrue();
        assertThat(Lsn.parse("0/1").isBefore(Lsn.parse("0/2"))).isTrue();
        assertThat(Lsn.INVALID.isValid()).isFalse();
    }

    @Test
    void arithmetic() {
        Lsn lsn = Lsn.parse("0/FFFFFFFF");
        assertThat(lsn.plus(1)).isEqualTo(Lsn.parse("1/0"));
        assertThat(Lsn.parse("1/0").minus(1)).isEqualTo(lsn);
        assertThat(lsn.plus(-1)).isEqualTo(Lsn.parse("0/FFFFFFFE"));
        assertThat(Lsn.parse("1/10").bytesSince(Lsn.parse("1/0"))).isEqualTo(16);
        assertThat(Lsn.parse("1/0").bytesSince(Lsn.parse("1/10"))).isEqualTo(-16);
        assertThatThrownBy(() -> Lsn.parse("FFFFFFFF/FFFFFFFF").plus(1)).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Lsn.INVALID.minus(1)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void segmentArithmetic() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertThat(lsn.segmentNumber(MB16)).isEqualTo(0x16B3L);
        assertThat(lsn.segmentOffset(MB16)).isEqualTo(0x74D848);
        assertThat(lsn.segmentStart(MB16)).isEqualTo(Lsn.parse("16/B3000000"));
        assertThat(lsn.segmentNumber(GB1)).isEqualTo(0x16 * 4 + 2);
        assertThat(lsn.segmentOffset(GB1)).isEqualTo(0x3374D848);
        assertThat(lsn.segmentStart(GB1)).isEqualTo(Lsn.parse("16/80000000"));
        Lsn top = Lsn.parse("FFFFFFFF/FFFFFFFF");
        assertThat(top.segmentNumber(MB16)).isEqualTo((1L << 40) - 1);
        assertThat(top.segmentStart(MB16)).isEqualTo(Lsn.parse("FFFFFFFF/FF000000"));
    }
}
