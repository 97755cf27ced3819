package org.truckeefs.core;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.BlobStoreProvider;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;

/** Builds RiverFS instances over a shared in-memory metadata store and a given blob store, for core's tests. */
final class TestFs {
  static final Caller ROOT = Caller.ROOT;
  static final int CHUNK = 64 * 1024;

  final Path dir;
  final InMemoryMetadataStore meta;
  final BlobStore blobs;
  Clock clock = Clock.systemUTC();

  TestFs(Path dir, BlobStore blobs) {
    this(dir, new InMemoryMetadataStore(Clock.systemUTC()), blobs);
  }

  /** Shares {@code meta} with another TestFs, as hosts share one database. */
  TestFs(Path dir, InMemoryMetadataStore meta, BlobStore blobs) {
    this.dir = dir;
    this.meta = meta;
    this.blobs = blobs;
  }

  static TestFs local(Path dir) throws FsException {
    return new TestFs(dir, new LocalBlobStore(dir.resolve("blobs")));
  }

  RiverFsConfig.Builder config() throws FsException {
    Backends b = Backends.empty()
        .register(metaProvider("testmeta", meta))
        .register(new LocalCoordinatorProvider())
        .register(blobProvider(blobs));
    return RiverFsConfig.builder()
        .backends(b)
        .dataDir(dir.resolve("data"))
        .cacheDir(dir.resolve("cache"))
        .metadataUri("testmeta:")
        .blobUri("testblobs:")
        .chunkSize(CHUNK)
        .clock(clock);
  }

  RiverFS open() throws FsException {
    return RiverFS.open(config().build());
  }

  /**
   * Another "host" on the same metadata and blob stores: its own cache directory (so its own host id) and the
   * JVM-wide coordinator space {@code space}.
   */
  RiverFS host(String name, String space) throws FsException {
    return RiverFS.open(config()
        .dataDir(dir.resolve(name + "-data"))
        .cacheDir(dir.resolve(name + "-cache"))
        .coordinatorUri("local://" + space)
        .build());
  }

  /** The shared store survives a RiverFS close, as a database would. */
  /** A provider of {@code store} (not closed with the filesystem: tests reopen on it) under {@code scheme}. */
  static MetadataStoreProvider metaProvider(String scheme, MetadataStore store) {
    return new MetadataStoreProvider() {
      @Override
      public String scheme() {
        return scheme;
      }

      @Override
      public MetadataStore create(URI uri, BackendConfig c, BackendContext ctx) {
        return new Unclosable(store);
      }
    };
  }

  /** A provider of {@code store} under {@code testblobs}. */
  static BlobStoreProvider blobProvider(BlobStore store) {
    return new BlobStoreProvider() {
      @Override
      public String scheme() {
        return "testblobs";
      }

      @Override
      public BlobStore create(URI uri, BackendConfig c, BackendContext ctx) {
        return store;
      }
    };
  }

  static final class Unclosable extends ForwardingMetadataStore {
    Unclosable(MetadataStore d) {
      super(d);
    }

    @Override
    public void close() {}
  }

  // ---- small helpers for writing tests

  static Name n(String s) throws FsException {
    return Name.of(s);
  }

  static long createFile(RiverFS fs, String name) throws FsException {
    OpenResult r = fs.create(ROOT, InodeId.ROOT, n(name), 0644, OpenFlags.READ_WRITE);
    return r.handle();
  }

  static void write(RiverFS fs, long h, long off, byte[] data) throws FsException {
    fs.write(h, off, ByteBuffer.wrap(data));
  }

  static byte[] read(RiverFS fs, long h, long off, int len) throws FsException {
    ByteBuffer b = ByteBuffer.allocate(len);
    int n = fs.read(h, off, b);
    byte[] out = new byte[n];
    b.flip();
    b.get(out);
    return out;
  }

  static InodeAttributes lookup(RiverFS fs, String name) throws FsException {
    return fs.lookup(ROOT, InodeId.ROOT, n(name));
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] pattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i * 31 + seed + (i >>> 8));
    }
    return b;
  }

  static void deleteQuietly(Path p) throws IOException {
    if (p != null && java.nio.file.Files.exists(p)) {
      try (var s = java.nio.file.Files.walk(p)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
      }
    }
  }
}
