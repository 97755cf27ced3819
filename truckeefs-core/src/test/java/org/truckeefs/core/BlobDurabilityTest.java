package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.truckeefs.core.TestFs.ROOT;
import static org.truckeefs.core.TestFs.n;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;

/**
 * Where the local blob store's durability is paid: background uploads (close) force nothing; fsync, syncfs and the
 * blob collector force the pending blobs before the metadata store's sync, and the collector deletes only after.
 */
class BlobDurabilityTest {
  @TempDir Path dir;

  /** In order: "data <blob>", "dir <dir>", "meta sync", "release <blob>". */
  final List<String> events = new CopyOnWriteArrayList<>();
  RiverFS fs;

  @BeforeEach
  void open() throws Exception {
    fs = open(Duration.ZERO);
  }

  /** @param grace the collector's grace period; null: unset (a sole host then releases blobs promptly) */
  private RiverFS open(Duration grace) throws Exception {
    Path blobDir = dir.resolve("blobs");
    LocalBlobStore local = new LocalBlobStore(blobDir, d -> events.add("dir " + blobDir.relativize(d)),
        f -> events.add("data " + f.getFileName()), null);
    BlobStore blobs = recording(BlobStore.class, local, "release", a -> "release " + ((BlobRef) a[0]).value());
    MetadataStore meta = recording(MetadataStore.class, new InMemoryMetadataStore(Clock.systemUTC()), "sync",
        a -> "meta sync");
    Backends b = Backends.empty()
        .register(TestFs.metaProvider("recmeta", meta))
        .register(new LocalCoordinatorProvider())
        .register(TestFs.blobProvider(blobs));
    return RiverFS.open(RiverFsConfig.builder()
        .backends(b)
        .dataDir(dir.resolve("data"))
        .cacheDir(dir.resolve("cache"))
        .metadataUri("recmeta:")
        .blobUri("testblobs:")
        .chunkSize(TestFs.CHUNK)
        .blobGcGrace(grace)
        .build());
  }

  @AfterEach
  void close() throws Exception {
    fs.close();
  }

  interface Describe {
    String event(Object[] args);
  }

  /** {@code target} behind a proxy that records {@code method}'s calls (before forwarding them). */
  private <T> T recording(Class<T> type, T target, String method, Describe describe) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
      if (m.getName().equals(method) && m.getDeclaringClass() != Object.class) {
        events.add(describe.event(args));
      }
      try {
        return m.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }));
  }

  private long writeAndClose(long h, byte[] data) throws Exception {
    fs.write(h, 0, ByteBuffer.wrap(data));
    fs.flush(h); // close(): sealed, journaled, uploaded in the background
    await().atMost(Duration.ofSeconds(20)).until(() -> fs.status().pendingUploads() == 0);
    return h;
  }

  private List<String> forces() {
    return events.stream().filter(e -> e.startsWith("data ") || e.startsWith("dir ")).toList();
  }

  @Test
  void aBackgroundUpload_forcesNothing_andFsyncForcesItsBlobsBeforeTheMetadataSync() throws Exception {
    long h = fs.create(ROOT, InodeId.ROOT, n("f"), 0644, OpenFlags.READ_WRITE).handle();
    byte[] distinctChunks = new byte[3 * TestFs.CHUNK + 100];
    new java.util.Random(1).nextBytes(distinctChunks);
    writeAndClose(h, distinctChunks);
    assertThat(forces()).as("close() and its upload force nothing").isEmpty();

    events.clear();
    fs.fsync(h, true);
    List<String> data = events.stream().filter(e -> e.startsWith("data ")).toList();
    assertThat(data).as("the file's four chunks").hasSize(4);
    int lastForce = events.lastIndexOf(forces().get(forces().size() - 1));
    assertThat(events.indexOf("meta sync")).as("blobs first, then the commit").isGreaterThan(lastForce);
    assertThat(events.subList(events.indexOf(data.get(3)) + 1, lastForce + 1)).as("then their directories")
        .allMatch(e -> e.startsWith("dir "));
    fs.release(h);
  }

  @Test
  void syncfs_forcesEveryPendingBlob_beforeTheMetadataSync() throws Exception {
    long a = fs.create(ROOT, InodeId.ROOT, n("a"), 0644, OpenFlags.READ_WRITE).handle();
    long b = fs.create(ROOT, InodeId.ROOT, n("b"), 0644, OpenFlags.READ_WRITE).handle();
    writeAndClose(a, TestFs.pattern(1000, 2));
    writeAndClose(b, TestFs.pattern(2000, 3));
    fs.release(a);
    fs.release(b);
    assertThat(forces()).isEmpty();

    events.clear();
    fs.syncfs();
    assertThat(events.stream().filter(e -> e.startsWith("data ")).count()).isEqualTo(2);
    assertThat(events.get(events.size() - 1)).isEqualTo("meta sync");
  }

  @Test
  void theCollector_deletesAReplacedBlob_onlyAfterABarrier() throws Exception {
    long h = fs.create(ROOT, InodeId.ROOT, n("f"), 0644, OpenFlags.READ_WRITE).handle();
    writeAndClose(h, TestFs.pattern(1000, 4));
    writeAndClose(h, TestFs.pattern(1000, 5)); // the first blob is no longer referenced
    fs.release(h);
    assertThat(forces()).isEmpty();

    events.clear();
    assertThat(fs.collectBlobs()).isEqualTo(1);
    int release = events.indexOf(events.stream().filter(e -> e.startsWith("release ")).findFirst().orElseThrow());
    int sync = events.indexOf("meta sync");
    assertThat(sync).as("the commit that replaced it is durable first").isBetween(0, release);
    List<String> before = events.subList(0, sync);
    assertThat(before.stream().filter(e -> e.startsWith("data ")).count()).as("and both blobs were forced")
        .isEqualTo(2);
  }

  @Test
  void aPromptRelease_deletesAReplacedBlob_onlyAfterABarrier() throws Exception {
    fs.close();
    fs = open(null);
    assertThat(fs.promptRelease().active()).isTrue();
    long h = fs.create(ROOT, InodeId.ROOT, n("f"), 0644, OpenFlags.READ_WRITE).handle();
    events.clear();
    writeAndClose(h, TestFs.pattern(1000, 6));
    writeAndClose(h, TestFs.pattern(1000, 7)); // the first blob is no longer referenced, and is released soon

    await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e.startsWith("release ")));
    int release = events.indexOf(events.stream().filter(e -> e.startsWith("release ")).findFirst().orElseThrow());
    int sync = events.indexOf("meta sync");
    assertThat(sync).as("the commit that replaced it is durable first").isBetween(0, release);
    assertThat(events.subList(0, sync).stream().filter(e -> e.startsWith("data ")).count())
        .as("and both blobs were forced").isEqualTo(2);
    fs.release(h);
  }
}
