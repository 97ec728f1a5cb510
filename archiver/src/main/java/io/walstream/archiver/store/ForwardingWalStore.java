package io.walstream.archiver.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A store that passes every call to another: extend it and override the calls to change, as a test does to
 * inject a fault or count reads. {@link #deleteAll} keeps the interface's default (one {@link #delete} per file),
 * so that an overridden {@code delete} sees every removal.
 */
public abstract class ForwardingWalStore implements WalStore {

    protected final WalStore delegate;

    protected ForwardingWalStore(WalStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public String location() {
        return delegate.location();
    }

    @Override
    public List<StoredFile> list() throws IOException {
        return delegate.list();
    }

    @Override
    public Optional<StoredFile> stat(String name) throws IOException {
        return delegate.stat(name);
    }

    @Override
    public InputStream open(String name) throws IOException {
        return delegate.open(name);
    }

    @Override
    public Optional<Path> localFile(String name) {
        return delegate.localFile(name);
    }

    @Override
    public PutOutcome put(String name, Path source) throws IOException {
        return delegate.put(name, source);
    }

    @Override
    public void willPut(Path source) {
        delegate.willPut(source);
    }

    @Override
    public void delete(String name) throws IOException {
        delegate.delete(name);
    }

    @Override
    public boolean receiverActive() {
        return delegate.receiverActive();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
