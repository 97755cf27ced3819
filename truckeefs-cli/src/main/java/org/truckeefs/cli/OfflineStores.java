package org.truckeefs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.truckeefs.api.FsException;
import org.truckeefs.core.Backends;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.Ticker;

/**
 * The metadata and blob stores of the configured filesystem, opened directly through the SPIs (core's
 * {@link Backends} registry) for the offline tools: fsck, gc, dump, load, status. No RiverFS, no daemons.
 */
final class OfflineStores implements AutoCloseable {
  final RiverFsConfig config;
  final MetadataStore metadata;
  final BlobStore blobs;
  private final ScheduledExecutorService scheduler;

  private OfflineStores(RiverFsConfig config, MetadataStore metadata, BlobStore blobs, ScheduledExecutorService scheduler) {
    this.config = config;
    this.metadata = metadata;
    this.blobs = blobs;
    this.scheduler = scheduler;
  }

  static OfflineStores open(Settings s) throws FsException {
    RiverFsConfig c = Engine.config(s);
    Backends backends = c.backends().orElseGet(Backends::discover);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "truckeefs-tool");
      t.setDaemon(true);
      return t;
    });
    BackendContext ctx = new BackendContext(c.filesystemId(), c.dataDir(), Clock.systemUTC(), Ticker.system(), scheduler);
    MetadataStore meta = null;
    try {
      meta = backends.metadataStore(c.metadataUri().getScheme()).create(c.metadataUri(), c.backendConfig(), ctx);
      BlobStore blobs = backends.blobStore(c.blobUri().getScheme()).create(c.blobUri(), c.backendConfig(), ctx);
      return new OfflineStores(c, meta, blobs, scheduler);
    } catch (FsException | RuntimeException e) {
      if (meta != null) {
        meta.close();
      }
      scheduler.shutdownNow();
      throw e;
    }
  }

  /** Whether the metadata lives only in this process (memory:), so offline tools see an empty filesystem. */
  boolean ephemeral() {
    return "memory".equals(config.metadataUri().getScheme());
  }

  /** Live mount processes of this data directory (their pid files in data_dir/run). */
  static List<String> liveMounts(Path dataDir) {
    List<String> live = new ArrayList<>();
    Path run = dataDir.resolve("run");
    if (!Files.isDirectory(run)) {
      return live;
    }
    try (Stream<Path> files = Files.list(run)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().endsWith(".pid")) {
          continue; // the mounts' stats sockets live here too
        }
        List<String> lines = Files.readAllLines(f);
        if (!lines.isEmpty() && ProcessHandle.of(Long.parseLong(lines.get(0).trim())).map(ProcessHandle::isAlive).orElse(false)) {
          live.add((lines.size() > 1 ? lines.get(1) : "?") + " (pid " + lines.get(0).trim() + ")");
        }
      }
    } catch (Exception e) {
      // an unreadable run directory: nothing known to be mounted
    }
    return live;
  }

  /**
   * Takes the data directory for {@code what} (dump, load, fsck --repair, restore) as a mount does, so neither a
   * mount, a library instance nor another tool can run on it meanwhile; refused naming the holder's pid. Close the
   * result to let go.
   */
  static AutoCloseable exclusive(Settings s, String what) {
    List<String> live = liveMounts(s.dataDir());
    if (!live.isEmpty()) {
      throw UserError.failed(what + " needs the filesystem unmounted; mounted on " + String.join(", ", live));
    }
    Engine.config(s); // validated, and the data directory exists
    try {
      return RiverFS.lockDataDir(s.dataDir());
    } catch (FsException e) {
      throw UserError.failed(what + " needs the data directory to itself: " + ConfigMapper.message(e));
    }
  }

  @Override
  public void close() throws FsException {
    try {
      blobs.close();
    } finally {
      try {
        metadata.close();
      } finally {
        scheduler.shutdownNow();
      }
    }
  }
}
