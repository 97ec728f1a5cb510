package io.walstream.store.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

class Md5BoundSignerTest {

    private final Md5BoundSigner signer = new Md5BoundSigner();

    @Test
    void aPutWithContentMd5OverHttpIsSignedWithoutHashingItsPayload() {
        SignedRequest signed = sign("http://store.example:9000/b/k", true);
        assertThat(signed.request().firstMatchingHeader("x-amz-content-sha256")).hasValue("UNSIGNED-PAYLOAD");
        assertThat(signed.request().firstMatchingHeader("Content-Encoding")).isEmpty();
        assertThat(signed.request().getUri()).isEqualTo(URI.create("http://store.example:9000/b/k"));
        assertThat(signed.request().firstMatchingHeader("Host")).hasValue("store.example:9000");
        assertThat(signed.request().firstMatchingHeader("Authorization").orElseThrow()).contains("content-md5");
    }

    @Test
    void onPort80TheSignedHostIsTheOneAnHttpClientSends() {
        SignedRequest signed = sign("http://store.example/b/k", true);
        assertThat(signed.request().getUri()).isEqualTo(URI.create("http://store.example/b/k"));
        assertThat(signed.request().firstMatchingHeader("Host")).hasValue("store.example");
    }

    @Test
    void otherRequestsAreSignedAsTheSdkSignsThem() {
        assertThat(sign("http://store.example:9000/b/k", false).request().firstMatchingHeader("x-amz-content-sha256"))
                .hasValue("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
        SignedRequest https = sign("https://store.example/b/k", true);
        assertThat(https.request().getUri()).isEqualTo(URI.create("https://store.example/b/k"));
        assertThat(https.request().firstMatchingHeader("x-amz-content-sha256")).hasValue("UNSIGNED-PAYLOAD");
    }

    private SignedRequest sign(String uri, boolean contentMd5) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(URI.create(uri))
                .putHeader("Content-Length", "3");
        if (contentMd5) {
            request.putHeader("Content-MD5", "kAFQmDzST7DWlj99KOF/cg==");
        }
        return signer.sign(SignRequest.builder(AwsCredentialsIdentity.create("key", "secret"))
                .request(request.build())
                .payload(ContentStreamProvider.fromUtf8String("abc"))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                // what the S3 client's auth scheme asks for a PutObject
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, true)
                .build());
    }
}
