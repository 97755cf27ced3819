package org.truckeefs.nio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.truckeefs.api.DirEntry;

/**
 * The entries of a directory as listed when the stream was opened (the listing is read eagerly, page by page, so
 * no directory handle stays open while the application iterates).
 */
final class TruckeeDirectoryStream implements DirectoryStream<Path> {
  private final TruckeePath dir;
  private final List<DirEntry> entries;
  private final Filter<? super Path> filter;
  private boolean iterated;
  private volatile boolean closed;

  TruckeeDirectoryStream(TruckeePath dir, List<DirEntry> entries, Filter<? super Path> filter) {
    this.dir = dir;
    this.entries = entries;
    this.filter = filter;
  }

  @Override
  public synchronized Iterator<Path> iterator() {
    if (closed) {
      throw new IllegalStateException("directory stream is closed");
    }
    if (iterated) {
      throw new IllegalStateException("iterator() was already called");
    }
    iterated = true;
    Iterator<DirEntry> it = entries.iterator();
    return new Iterator<>() {
      private Path next;

      @Override
      public boolean hasNext() {
        while (next == null && !closed && it.hasNext()) {
          Path p = dir.resolve(dir.getFileSystem().getPath(it.next().name().toString()));
          try {
            if (filter == null || filter.accept(p)) {
              next = p;
            }
          } catch (IOException e) {
            throw new DirectoryIteratorException(e);
          } catch (UncheckedIOException e) {
            throw new DirectoryIteratorException(e.getCause());
          }
        }
        return next != null;
      }

      @Override
      public Path next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Path p = next;
        next = null;
        return p;
      }
    };
  }

  @Override
  public void close() {
    closed = true;
  }
}
