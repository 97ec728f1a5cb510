package io.walstream.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class S3LocationTest {

    @Test
    void aLocationNamesABucketAndAPrefix() {
        S3Location l = S3Location.parse("s3://wal-archive/clusters/db1/");
        assertThat(l.bucket()).isEqualTo("wal-archive");
        assertThat(l.prefix()).isEqualTo("clusters/db1");
        assertThat(l.key("000000010000000000000001")).isEqualTo("clusters/db1/000000010000000000000001");
        assertThat(l).hasToString("s3://wal-archive/clusters/db1");
    }

    @Test
    void withoutAPrefixFilesAreAtTheTopOfTheBucket() {
        S3Location l = S3Location.parse("S3://wal-archive");
        assertThat(l.prefix()).isEmpty();
        assertThat(l.keyPrefix()).isEmpty();
        assertThat(l.key("walstream.identity")).isEqualTo("walstream.identity");
    }

    @Test
    void directoriesAndBadNamesAreNotLocations() {
        assertThat(S3Location.isS3("/var/lib/walstream")).isFalse();
        assertThat(S3Location.isS3("s3://b")).isTrue();
        assertThatThrownBy(() -> S3Location.parse("s3://Bad_Bucket/p")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Bad_Bucket");
        assertThatThrownBy(() -> S3Location.parse("s3://bucket//p")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> S3Location.parse("/archive")).isInstanceOf(IllegalArgumentException.class);
    }
}
