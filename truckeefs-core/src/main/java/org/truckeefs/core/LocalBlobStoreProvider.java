package org.truckeefs.core;

import java.net.URI;
import java.nio.file.Path;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.BlobStoreProvider;

/**
 * {@code local:/absolute/dir}: blobs as content-addressed files in a local directory. A bare {@code local:} uses
 * {@code <data_dir>/blobs}.
 */
public final class LocalBlobStoreProvider implements BlobStoreProvider {
  public static final String SCHEME = "local";

  public LocalBlobStoreProvider() {}

  @Override
  public String scheme() {
    return SCHEME;
  }

  @Override
  public BlobStore create(URI uri, BackendConfig config, BackendContext context) throws FsException {
    return new LocalBlobStore(directory(uri, context.dataDir()), context.scheduler(), context.diskWriteback());
  }

  /** The directory {@code uri} names: {@code local:/dir}, or {@code <data_dir>/blobs} for a bare {@code local:}. */
  static Path directory(URI uri, Path dataDir) throws FsException {
    String path = uri.getPath();
    if (path == null) {
      path = uri.getSchemeSpecificPart();
    }
    Path dir = path == null || path.isEmpty() || path.equals("/") ? dataDir.resolve("blobs") : Path.of(path);
    if (!dir.isAbsolute()) {
      throw new FsException(FsError.INVALID, "blob store URI " + uri + " must name an absolute directory (local:/dir)");
    }
    return dir;
  }
}
