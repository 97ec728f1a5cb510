package io.walstream.archiver.powerloss;

import io.walstream.archiver.store.WalStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A power cut's {@link PowerCut.Image} as a read-only {@link WalStore}, so that the archive's own code (resume point,
 * end of WAL, verify) reads it as it would read the directory, without writing thousands of directories to disk.
 */
final class MemoryWalStore implements WalStore {

    private final String location;
    private final Map<String, byte[]> files;

    MemoryWalStore(String location, Map<String, byte[]> files) {
        this.location = location;
        this.files = files;
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public List<StoredFile> list() {
        List<StoredFile> list = new ArrayList<>();
        files.forEach((name, content) -> list.add(new StoredFile(name, content.length, Instant.EPOCH)));
        return list;
    }

    @Override
    public Optional<StoredFile> stat(String name) {
        byte[] content = files.get(name);
        return content == null ? Optional.empty() : Optional.of(new StoredFile(name, content.length, Instant.EPOCH));
    }

    @Override
    public InputStream open(String name) throws NoSuchFileException {
        byte[] content = files.get(name);
        if (content == null) {
            throw new NoSuchFileException(location + "/" + name);
        }
        return new ByteArrayInputStream(content);
    }

    @Override
    public PutOutcome put(String name, Path source) {
        throw new UnsupportedOperationException("a power cut's image is read only");
    }

    @Override
    public void delete(String name) {
        throw new UnsupportedOperationException("a power cut's image is read only");
    }
}
