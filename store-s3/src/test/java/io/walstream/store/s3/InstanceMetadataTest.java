package io.walstream.store.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The EC2 instance metadata endpoint stays out of reach unless the user opts in, and a store with no region
 * configured opens at once in us-east-1. No test here lets the SDK near the endpoint: the switch is checked on
 * given maps, and the store is opened with it already off.
 */
class InstanceMetadataTest {

    @Test
    void metadataIsOffUnlessTheUserSaidOtherwise() {
        Properties none = new Properties();
        S3WalStore.disableInstanceMetadataUnlessOptedIn(Map.of(), none);
        assertThat(none.getProperty("aws.disableEc2Metadata")).isEqualTo("true");

        Properties optedIn = new Properties();
        S3WalStore.disableInstanceMetadataUnlessOptedIn(Map.of("AWS_EC2_METADATA_DISABLED", "false"), optedIn);
        assertThat(optedIn.getProperty("aws.disableEc2Metadata")).as("the environment's choice stands").isNull();

        Properties property = new Properties();
        property.setProperty("aws.disableEc2Metadata", "false");
        S3WalStore.disableInstanceMetadataUnlessOptedIn(Map.of(), property);
        assertThat(property.getProperty("aws.disableEc2Metadata")).isEqualTo("false");

        Properties disabledByEnv = new Properties();
        S3WalStore.disableInstanceMetadataUnlessOptedIn(Map.of("AWS_EC2_METADATA_DISABLED", "true"), disabledByEnv);
        assertThat(disabledByEnv.getProperty("aws.disableEc2Metadata")).isNull();
    }

    @Test
    void withoutARegionTheStoreOpensInUsEast1() {
        String region = System.getProperty("aws.region");
        String metadata = System.getProperty("aws.disableEc2Metadata");
        System.clearProperty("aws.region");
        System.setProperty("aws.disableEc2Metadata", "true");
        try (S3WalStore store = S3WalStore.open(S3Location.parse("s3://bucket/prefix"),
                new S3Settings(URI.create("http://127.0.0.1:9"), true),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")))) {
            String configured = System.getenv("AWS_REGION");
            assertThat(store.region()).isEqualTo(configured == null ? Region.US_EAST_1 : Region.of(configured));
        } finally {
            restore("aws.region", region);
            restore("aws.disableEc2Metadata", metadata);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
