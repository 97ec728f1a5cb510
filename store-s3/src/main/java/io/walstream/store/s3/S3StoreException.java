package io.walstream.store.s3;

import java.io.IOException;

/**
 * The object store refused a request or could not be reached: the message is one line naming the store, the
 * operation, the key and the HTTP status with the store's error code (never a credential).
 */
public final class S3StoreException extends IOException {

    private final int statusCode;

    public S3StoreException(String message, int statusCode, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
    }

    /** The HTTP status, or 0 when there was no answer. */
    public int statusCode() {
        return statusCode;
    }

    /** 5xx, throttling or no answer at all: worth trying again later. */
    public boolean retryable() {
        return statusCode == 0 || statusCode >= 500 || statusCode == 429 || statusCode == 408;
    }
}
