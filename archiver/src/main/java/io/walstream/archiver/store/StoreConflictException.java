package io.walstream.archiver.store;

import java.io.IOException;

/**
 * A file was to be stored under a name that already holds different bytes. An archived file is never overwritten:
 * two different copies of one segment mean two clusters, or a damaged copy, and a person must decide which is right.
 */
public final class StoreConflictException extends IOException {

    private final String name;

    public StoreConflictException(String location, String name) {
        super(location + " already holds " + name + " with different content; an archived file is never "
                + "overwritten: compare the two copies (walstream verify) and remove the wrong one by hand");
        this.name = name;
    }

    /** The file name in the store. */
    public String name() {
        return name;
    }
}
