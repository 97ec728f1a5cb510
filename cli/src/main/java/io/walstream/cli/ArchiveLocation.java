package io.walstream.cli;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.WalStore;
import io.walstream.store.s3.S3Location;
import io.walstream.store.s3.S3Settings;
import io.walstream.store.s3.S3WalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * What {@code -D} names: an archive directory or {@code s3://BUCKET/PREFIX}. The one place that turns it into a
 * {@link WalStore}, for every command that reads an archive.
 *
 * @param directory the directory, or null for object storage
 * @param s3        the object-storage location, or null for a directory
 */
record ArchiveLocation(Path directory, S3Location s3) {

    /**
     * Reads a {@code -D} value.
     *
     * @throws IllegalArgumentException for an {@code s3://} value that is not a valid location
     */
    static ArchiveLocation parse(String value) {
        return S3Location.isS3(value) ? new ArchiveLocation(null, S3Location.parse(value))
                : new ArchiveLocation(Path.of(value), null);
    }

    /** A command's {@code -D} (or {@code --archive}) value, or a usage error naming what is wrong with it. */
    static ArchiveLocation parse(String value, CommandLine.Model.CommandSpec spec) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    boolean isObjectStore() {
        return s3 != null;
    }

    /** False only for a directory that does not exist (object storage is asked when it is opened). */
    boolean exists() {
        return s3 != null || Files.isDirectory(directory);
    }

    /**
     * Opens the archive for reading; close it.
     *
     * @throws io.walstream.archiver.ArchiveException when the directory does not exist
     */
    WalStore open(S3Settings settings) {
        return s3 != null ? S3WalStore.open(s3, settings) : ArchiveDirectory.open(directory);
    }

    @Override
    public String toString() {
        return s3 != null ? s3.toString() : directory.toString();
    }
}
