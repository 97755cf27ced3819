package org.truckeefs.core;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.BlobStoreProvider;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.CoordinatorProvider;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;

/**
 * The order in which {@link RiverFS#open} touches the world, so that a bad setting or an unreachable service leaves
 * nothing behind: (1) every provider found and every setting the providers can check validated, (2) the coordinator
 * reached, (3) a remote blob store created (it validates its own settings, e.g. a malformed rootcap), (4) the data
 * directory created private and locked, the cache directory checked, (5) a local blob store created in its private
 * directory, (6) the metadata store opened (migrations run here, last), (7) the coordinator created in this
 * filesystem's namespace. When a step fails, what earlier steps opened is closed and what they created (files,
 * then directories, newest first; only if still empty) is removed.
 */
final class StartupSteps {
  private static final Logger log = LoggerFactory.getLogger(StartupSteps.class);
  /** The namespace of a filesystem whose metadata store keeps no id of its own (the in-memory one). */
  private static final String UNNAMED = "truckeefs";
  static final String METADATA_FILE = "metadata.db";

  /** What the steps produced, in the order {@link RiverFS} takes them. */
  record Opened(MetadataStore meta, BlobStore blobs, Coordinator coordinator, DataDirLock lock) {}

  private final RiverFsConfig config;
  private final Backends backends;
  private final ScheduledExecutorService scheduler;
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final List<Path> created = new ArrayList<>();

  private StartupSteps(RiverFsConfig config, Backends backends, ScheduledExecutorService scheduler) {
    this.config = config;
    this.backends = backends;
    this.scheduler = scheduler;
  }

  static Opened run(RiverFsConfig config, Backends backends, ScheduledExecutorService scheduler)
      throws FsException {
    StartupSteps s = new StartupSteps(config, backends, scheduler);
    try {
      return s.steps();
    } catch (FsException | RuntimeException e) {
      s.undo(e);
      throw e;
    }
  }

  private Opened steps() throws FsException {
    // 1: providers (an unknown scheme is bad input, found before any side effect)
    MetadataStoreProvider metaProvider = backends.metadataStore(config.metadataUri().getScheme());
    BlobStoreProvider blobProvider = backends.blobStore(config.blobUri().getScheme());
    String coordScheme = config.coordinatorUri().getScheme();
    CoordinatorProvider coordProvider = coordScheme.equals("local") && !backends.hasCoordinator(coordScheme)
        ? null : backends.coordinator(coordScheme); // a registry without providers (tests) still gets local locks
    BackendContext ctx = context(config.filesystemId().isEmpty() ? UNNAMED : config.filesystemId());
    // 2: the coordinator answers with these settings (validated, reached, nothing written)
    if (coordProvider != null) {
      coordProvider.check(config.coordinatorUri(), config.backendConfig());
    }
    // 3: a blob store that keeps nothing in our directories validates its settings before we create any
    boolean localBlobs = blobProvider instanceof LocalBlobStoreProvider;
    BlobStore blobs = null;
    if (!localBlobs) {
      blobs = blobStore(blobProvider, ctx);
    }
    // 4: our directories, private, and the data directory's lock
    created.addAll(PrivateDirectory.prepare(config.dataDir(), "data_dir"));
    boolean freshLock = !Files.exists(config.dataDir().resolve(DataDirLock.FILE));
    DataDirLock lock = DataDirLock.acquire(config.dataDir());
    opened.add(lock);
    if (freshLock) {
      created.add(config.dataDir().resolve(DataDirLock.FILE));
    }
    created.addAll(PrivateDirectory.prepare(config.cacheDir(), "cache_dir"));
    // 5: blobs in a local directory
    if (localBlobs) {
      Path blobDir = LocalBlobStoreProvider.directory(config.blobUri(), config.dataDir());
      created.addAll(PrivateDirectory.prepare(blobDir, "blob_dir"));
      Path scratch = blobDir.resolve(LocalBlobStore.TMP);
      boolean freshScratch = !Files.exists(scratch);
      blobs = blobStore(blobProvider, ctx);
      if (freshScratch) {
        created.add(scratch); // the store made it: removed with the blob directory if a later step fails
      }
    }
    // 6: metadata, last: it may migrate a database
    privateMetadataFile();
    MetadataStore meta = Instrumented.wrap(MetadataStore.class,
        metaProvider.create(config.metadataUri(), config.backendConfig(), ctx), "metadata", RiverFS.SLOW_METADATA_CALL);
    opened.add(meta);
    // 7: the coordinator, in this filesystem's namespace
    BackendContext named = context(filesystemId(meta));
    Coordinator coordinator = Instrumented.wrap(Coordinator.class, coordProvider == null ? new LocalCoordinator(named)
        : coordProvider.create(config.coordinatorUri(), config.backendConfig(), named), "coordinator",
        RiverFS.SLOW_BLOB_CALL); // blocking lock requests wait up to PosixLocks.LOCK_WAIT by design
    opened.add(coordinator);
    return new Opened(meta, blobs, coordinator, lock);
  }

  private BackendContext context(String filesystemId) {
    return new BackendContext(filesystemId, config.dataDir(), config.clock(), config.ticker(), scheduler,
        DiskWritebacks.of(config));
  }

  private BlobStore blobStore(BlobStoreProvider provider, BackendContext ctx) throws FsException {
    BlobStore b = Instrumented.wrap(BlobStore.class, provider.create(config.blobUri(), config.backendConfig(), ctx),
        "blob store", RiverFS.SLOW_BLOB_CALL);
    opened.add(b);
    return b;
  }

  /**
   * The namespace shared state lives under: {@code filesystem_id} when set, else the id the metadata store made up
   * at its first start, so two filesystems on one Redis never meet without anyone naming them. Stores without one
   * keep the default name.
   */
  private String filesystemId(MetadataStore meta) throws FsException {
    if (!config.filesystemId().isEmpty()) {
      return config.filesystemId();
    }
    try {
      return meta.filesystemId();
    } catch (FsException e) {
      if (e.error() != FsError.UNSUPPORTED) {
        throw e;
      }
      return UNNAMED;
    }
  }

  /**
   * SQLite creates its WAL and SHM files with the database file's mode, and the file with the umask's: so the file
   * is made here, 0600, and an older readable one narrowed, with its companions.
   */
  private void privateMetadataFile() throws FsException {
    URI uri = config.metadataUri();
    if (!"sqlite".equalsIgnoreCase(uri.getScheme())) {
      return;
    }
    String raw = uri.isOpaque() ? uri.getSchemeSpecificPart() : uri.getPath();
    Path file = raw == null || raw.isBlank() ? config.dataDir().resolve(METADATA_FILE)
        : config.dataDir().resolve(Path.of(raw)); // resolve keeps an absolute path as it is
    try {
      created.addAll(PrivateDirectory.prepare(file.toAbsolutePath().getParent(), "data_dir"));
      if (!Files.exists(file)) {
        Files.createFile(file, PrivateDirectory.fileAttributes(file));
        created.add(file);
      }
      for (String suffix : List.of("", "-wal", "-shm")) {
        PrivateDirectory.makePrivateFile(file.resolveSibling(file.getFileName() + suffix));
      }
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw new FsException(FsError.IO, "cannot create the metadata file " + file + ": " + e.getMessage()
          + " (check data_dir)", e);
    }
  }

  private void undo(Exception failure) {
    Collections.reverse(opened);
    for (AutoCloseable c : opened) {
      try {
        c.close();
      } catch (Exception suppressed) {
        failure.addSuppressed(suppressed);
      }
    }
    List<Path> newestFirst = new ArrayList<>(created);
    Collections.reverse(newestFirst);
    for (Path p : newestFirst) {
      try {
        if (Files.isDirectory(p)) {
          Files.deleteIfExists(p); // fails (and so keeps it) when something else was put inside
        } else {
          for (String suffix : List.of("-wal", "-shm", "-journal", "")) {
            Files.deleteIfExists(p.resolveSibling(p.getFileName() + suffix));
          }
        }
      } catch (IOException e) {
        log.debug("left {} after a failed start: {}", p, e.toString());
      }
    }
  }
}
