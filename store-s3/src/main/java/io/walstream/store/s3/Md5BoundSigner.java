package io.walstream.store.s3;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

/**
 * SigV4, except that a request carrying {@code Content-MD5} over plain http is signed as it would be over https:
 * with {@code UNSIGNED-PAYLOAD}. Over http the SDK otherwise signs the body too (a SHA-256 of every 128 kB chunk,
 * {@code aws-chunked}), which S3-compatible stores such as S3Proxy do not check, so the bytes would be hashed twice on
 * our side for one check on theirs. The MD5 travels in a signed header, so the body stays bound to the signature and
 * the store refuses other bytes (BadDigest). Every other request is signed unchanged.
 */
final class Md5BoundSigner implements HttpSigner<AwsCredentialsIdentity> {

    private final HttpSigner<AwsCredentialsIdentity> v4 = AwsV4HttpSigner.create();

    /** The SigV4 auth scheme with this signer, for {@code S3ClientBuilder.putAuthScheme}. */
    static AuthScheme<AwsCredentialsIdentity> scheme() {
        Md5BoundSigner signer = new Md5BoundSigner();
        return new AuthScheme<>() {
            @Override
            public String schemeId() {
                return AwsV4AuthScheme.SCHEME_ID;
            }

            @Override
            public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
                return providers.identityProvider(AwsCredentialsIdentity.class);
            }

            @Override
            public HttpSigner<AwsCredentialsIdentity> signer() {
                return signer;
            }
        };
    }

    @Override
    public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
        SdkHttpRequest http = request.request();
        if (!"http".equals(http.protocol()) || http.firstMatchingHeader("Content-MD5").isEmpty()) {
            return v4.sign(request);
        }
        // Port 80 is the standard port of http, not of https: keep the Host header the signature covers the same.
        int port = http.port();
        SdkHttpRequest asHttps = http.toBuilder().protocol("https").port(port == 80 ? 443 : port).build();
        @SuppressWarnings("unchecked")
        SignRequest<AwsCredentialsIdentity> signing = (SignRequest<AwsCredentialsIdentity>) request;
        SignedRequest signed = v4.sign(signing.copy(b -> b.request(asHttps)));
        SdkHttpRequest back = signed.request().toBuilder().protocol("http").port(port).build();
        return signed.copy(b -> b.request(back));
    }

    @Override
    public CompletableFuture<AsyncSignedRequest> signAsync(AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
        return v4.signAsync(request); // the store's client is synchronous
    }
}
