package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --spool-max}'s sizes: PostgreSQL's units, powers of 1024. */
class ByteSizeConverterTest {

    private final ByteSizeConverter sizes = new ByteSizeConverter();

    @Test
    void unitsArePowersOf1024AndForgiving() {
        assertThat(sizes.convert("1000")).isEqualTo(1000L);
        assertThat(sizes.convert("64kB")).isEqualTo(64L << 10);
        assertThat(sizes.convert("512MB")).isEqualTo(512L << 20);
        assertThat(sizes.convert("4GB")).isEqualTo(4L << 30);
        assertThat(sizes.convert("4g")).isEqualTo(4L << 30);
        assertThat(sizes.convert("2 TB")).isEqualTo(2L << 40);
        assertThat(sizes.convert("100B")).isEqualTo(100L);
    }

    @Test
    void anythingElseIsRefusedNamingTheValue() {
        for (String bad : new String[] {"", "MB", "1.5GB", "-1", "4XB", "12345678901234567TB"}) {
            assertThatThrownBy(() -> sizes.convert(bad)).as(bad)
                    .isInstanceOf(CommandLine.TypeConversionException.class).hasMessageContaining("'" + bad + "'");
        }
    }
}
