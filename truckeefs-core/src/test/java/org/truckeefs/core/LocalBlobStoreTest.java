package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.truckeefs.core.NamespaceTest.assertErrno;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.DiskWriteback;

class LocalBlobStoreTest {
  @TempDir Path dir;

  BlobRef put(LocalBlobStore s, byte[] data) throws Exception {
    return s.put(Channels.newChannel(new ByteArrayInputStream(data)), data.length);
  }

  long blobFiles() throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void identicalContent_isStoredOnce() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir);
    BlobRef a = put(s, TestFs.bytes("same bytes"));
    BlobRef b = put(s, TestFs.bytes("same bytes"));
    assertThat(a).isEqualTo(b);
    assertThat(blobFiles()).isEqualTo(1);
    assertThat(s.capabilities()).contains(BlobCapability.DEDUPLICATING, BlobCapability.IMMEDIATE_RELEASE);
  }

  @Test
  void holds_theDigestsOfWhatItStores_fromThisProcessOrAnEarlierOne() throws Exception {
    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
    byte[] stored = TestFs.pattern(5000, 1);
    byte[] other = TestFs.pattern(5000, 2);
    LocalBlobStore s = new LocalBlobStore(dir);
    assertThat(s.holds(sha.digest(stored))).isFalse();
    put(s, stored);
    assertThat(s.holds(sha.digest(stored))).as("pending in this store").isTrue();
    assertThat(s.holds(sha.digest(other))).isFalse();
    assertThat(s.holds(null)).isFalse();
    assertThat(s.holds(new byte[3])).isFalse();
    s.close();
    assertThat(new LocalBlobStore(dir).holds(sha.digest(stored))).as("on disk, from an earlier store").isTrue();
  }

  @Test
  void putFile_onTheSameFilesystem_takesTheFileByHardLink_notASecondCopy() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir.resolve("blobs"));
    Path sealed = dir.resolve("sealed-chunk");
    byte[] data = TestFs.pattern(300_000, 3);
    Files.write(sealed, data);
    BlobRef r = s.putFile(sealed, data.length);
    assertThat(s.localFile(r).isPresent() ? s.localFile(r).get() : blobPath(r)).satisfies(blob -> {
      assertThat(Files.getAttribute(blob, "unix:ino")).isEqualTo(Files.getAttribute(sealed, "unix:ino"));
      assertThat(Files.getPosixFilePermissions(blob)).containsOnly(
          java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    });
    assertThat(r).isEqualTo(put(s, data)).as("named by content, as put names it");
    Files.delete(sealed); // the cache may drop its own name
    ByteBuffer b = ByteBuffer.allocate(data.length);
    assertThat(s.read(r, 0, b)).isEqualTo(data.length);
    assertThat(b.array()).isEqualTo(data);
  }

  /** Records every data and directory force, in order ("data <file>", "dir <dir>"). */
  final List<String> forced = new CopyOnWriteArrayList<>();

  LocalBlobStore recording(Path blobs, ScheduledExecutorService scheduler, Duration maxAge, long maxBytes)
      throws Exception {
    return new LocalBlobStore(blobs, d -> forced.add("dir " + blobs.relativize(d)),
        f -> forced.add("data " + f.getFileName()), scheduler, maxAge, maxBytes);
  }

  LocalBlobStore recording(Path blobs) throws Exception {
    return recording(blobs, null, Duration.ofHours(1), Long.MAX_VALUE);
  }

  @Test
  void aBarrier_startsEveryPendingBlobsDiskWrite_beforeItForcesTheFirst() throws Exception {
    Path blobs = dir.resolve("blobs");
    DiskWriteback starts = new DiskWriteback() {
      @Override
      public void start(Path file, long offset, long length) {
        forced.add("start " + file.getFileName() + " " + offset + "+" + length);
      }
    };
    LocalBlobStore s = new LocalBlobStore(blobs, d -> forced.add("dir " + blobs.relativize(d)),
        f -> forced.add("data " + f.getFileName()), null, Duration.ofHours(1), Long.MAX_VALUE, starts);
    byte[] a = TestFs.pattern(5000, 14);
    byte[] b = TestFs.pattern(7000, 15);
    BlobRef ra = s.putFile(sealed("a", a), a.length);
    BlobRef rb = put(s, b);
    assertThat(forced).as("a put starts nothing: the content may be deleted before it is due").isEmpty();

    s.sync();
    assertThat(forced.subList(0, 2)).containsExactlyInAnyOrder("start " + ra.value() + " 0+5000",
        "start " + rb.value() + " 0+7000");
    assertThat(forced.subList(2, 4)).containsExactlyInAnyOrder("data " + ra.value(), "data " + rb.value());

    forced.clear();
    byte[] c = TestFs.pattern(3000, 16);
    BlobRef rc = put(s, c);
    s.sync();
    assertThat(forced).as("one blob: forcing it is all there is to do").filteredOn(f -> !f.startsWith("dir"))
        .containsExactly("data " + rc.value());
  }

  @Test
  void aPut_forcesNothing_andSyncForcesEveryPendingBlob_dataBeforeDirectories() throws Exception {
    Path blobs = dir.resolve("blobs");
    LocalBlobStore s = recording(blobs);
    byte[] a = TestFs.pattern(5000, 4);
    byte[] b = TestFs.pattern(7000, 5);
    BlobRef ra = s.putFile(sealed("a", a), a.length);
    BlobRef rb = put(s, b);
    assertThat(forced).as("a background put forces nothing").isEmpty();
    assertThat(s.pendingBytes()).isEqualTo(a.length + b.length);

    s.sync();
    assertThat(forced.subList(0, 2)).containsExactlyInAnyOrder("data " + ra.value(), "data " + rb.value());
    assertThat(forced.subList(2, forced.size())).as("then, in one round, the store's directory (new fan-outs)"
        + " and the fan-out directories").containsExactlyInAnyOrder("dir ", "dir " + ra.value().substring(0, 2),
        "dir " + rb.value().substring(0, 2));
    assertThat(s.pendingBytes()).isZero();

    forced.clear();
    s.sync();
    s.putFile(sealed("a2", a), a.length);
    s.sync();
    assertThat(forced).as("nothing pending; a name this store forced is durable").isEmpty();
  }

  @Test
  void aDedupHit_onAPendingName_staysPending_andOneOnAnEarlierStoresName_isForcedAtTheNextSync() throws Exception {
    Path blobs = dir.resolve("blobs");
    byte[] data = TestFs.pattern(5000, 6);
    LocalBlobStore first = recording(blobs);
    BlobRef r = first.putFile(sealed("a", data), data.length);
    first.putFile(sealed("b", data), data.length, sha256(data));
    assertThat(first.pendingBytes()).as("one blob, pending once").isEqualTo(data.length);
    first.sync();
    assertThat(forced).filteredOn(f -> f.startsWith("data")).containsExactly("data " + r.value());

    forced.clear();
    LocalBlobStore second = recording(blobs); // a new process: the name may be from one that died before forcing
    assertThat(second.putFile(sealed("c", data), data.length)).isEqualTo(r);
    assertThat(forced).isEmpty();
    second.sync();
    assertThat(forced).contains("data " + r.value(), "dir ", "dir " + r.value().substring(0, 2));
  }

  @Test
  void aDedupHit_onATornBlob_replacesIt() throws Exception {
    Path blobs = dir.resolve("blobs");
    byte[] data = TestFs.pattern(300_000, 7);
    BlobRef r = new LocalBlobStore(blobs).putFile(sealed("a", data), data.length);
    Path blob = blobPath(r);
    // what a power loss can leave: the name reached the journal, the data did not
    Files.delete(blob);
    Files.write(blob, new byte[0]);
    LocalBlobStore afterPowerLoss = recording(blobs);
    assertThat(afterPowerLoss.putFile(sealed("b", data), data.length)).isEqualTo(r);
    assertThat(Files.readAllBytes(blob)).isEqualTo(data);
    assertThat(afterPowerLoss.pendingBytes()).as("the replacement is pending").isEqualTo(data.length);

    Files.write(blob, java.util.Arrays.copyOf(data, 4096)); // torn short, then put through put()
    LocalBlobStore again = recording(blobs);
    assertThat(put(again, data)).isEqualTo(r);
    assertThat(Files.readAllBytes(blob)).isEqualTo(data);
    try (Stream<Path> temps = Files.list(blobs.resolve("tmp"))) {
      assertThat(temps).isEmpty();
    }
  }

  @Test
  void theBackgroundFlush_forcesPendingBlobs_afterMaxAge_andOnceMaxBytesArePending() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      LocalBlobStore timed = recording(dir.resolve("timed"), scheduler, Duration.ofMillis(50), Long.MAX_VALUE);
      BlobRef r = put(timed, TestFs.pattern(3000, 8));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(forced).contains("data " + r.value());
        assertThat(timed.pendingBytes()).isZero();
      });

      forced.clear();
      LocalBlobStore sized = recording(dir.resolve("sized"), scheduler, Duration.ofHours(1), 10_000);
      BlobRef small = put(sized, TestFs.pattern(4000, 9));
      assertThat(sized.pendingBytes()).isEqualTo(4000);
      BlobRef big = put(sized, TestFs.pattern(8000, 10));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(forced).contains("data " + small.value(), "data " + big.value());
        assertThat(sized.pendingBytes()).isZero();
      });
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aBarrierThatArrivesDuringAnother_waitsForIt_andForcesOnlyWhatIsLeft() throws Exception {
    CountDownLatch forcing = new CountDownLatch(1);
    CompletableFuture<Void> release = new CompletableFuture<>();
    Path blobs = dir.resolve("blobs");
    LocalBlobStore s = new LocalBlobStore(blobs, d -> forced.add("dir " + blobs.relativize(d)), f -> {
      forced.add("data " + f.getFileName());
      forcing.countDown();
      release.join(); // the first barrier is forcing
    }, null, Duration.ofHours(1), Long.MAX_VALUE);
    BlobRef first = put(s, TestFs.pattern(3000, 13));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> a = pool.submit(() -> {
        s.sync();
        return null;
      });
      assertThat(forcing.await(10, TimeUnit.SECONDS)).isTrue();
      BlobRef second = put(s, TestFs.pattern(4000, 14));
      Future<?> b = pool.submit(() -> {
        s.sync();
        return null;
      });
      await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !b.isDone());
      release.complete(null);
      a.get(10, TimeUnit.SECONDS);
      b.get(10, TimeUnit.SECONDS);
      assertThat(forced).filteredOn(f -> f.startsWith("data ")).as("each blob forced once, in turn")
          .containsExactly("data " + first.value(), "data " + second.value());
      assertThat(s.pendingBytes()).isZero();
    } finally {
      release.complete(null);
      pool.shutdownNow();
    }
  }

  @Test
  void release_ofAPendingBlob_leavesNothingToForce() throws Exception {
    LocalBlobStore s = recording(dir.resolve("blobs"));
    BlobRef r = put(s, TestFs.pattern(3000, 11));
    s.release(r);
    assertThat(s.pendingBytes()).isZero();
    s.sync();
    assertThat(forced).isEmpty();
  }

  @Test
  void close_forcesWhatIsPending_andStopsTheBackgroundFlush() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(); // outlives the store
    try {
      LocalBlobStore s = recording(dir.resolve("blobs"), scheduler, Duration.ofMillis(100), Long.MAX_VALUE);
      BlobRef r = put(s, TestFs.pattern(3000, 12));
      s.close();
      assertThat(forced).contains("data " + r.value());
      forced.clear();
      put(s, TestFs.pattern(2000, 15)); // a late put of a closed store is left for an explicit sync
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(forced::isEmpty);
    } finally {
      scheduler.shutdownNow();
    }
  }

  private Path sealed(String name, byte[] data) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, data);
    return p;
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return java.security.MessageDigest.getInstance("SHA-256").digest(data);
  }

  private Path blobPath(BlobRef r) {
    return dir.resolve("blobs").resolve(r.value().substring(0, 2)).resolve(r.value());
  }

  @Test
  void rangedRead_andSize() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir);
    BlobRef r = put(s, TestFs.bytes("0123456789"));
    ByteBuffer b = ByteBuffer.allocate(4);
    assertThat(s.read(r, 3, b)).isEqualTo(4);
    assertThat(new String(b.array())).isEqualTo("3456");
    assertThat(s.read(r, 10, ByteBuffer.allocate(4))).isZero();
    assertThat(s.size(r)).isEqualTo(10);
  }

  @Test
  void shortSource_failsAndLeavesNoTempFile() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir);
    assertErrno(FsError.IO, () -> s.put(Channels.newChannel(new ByteArrayInputStream(new byte[3])), 10));
    assertThat(blobFiles()).isZero();
  }

  @Test
  void release_deletes_andIsIdempotent() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir);
    BlobRef r = put(s, TestFs.bytes("x"));
    s.release(r);
    s.release(r);
    assertErrno(FsError.NOT_FOUND, () -> s.size(r));
    assertThat(s.availableBytes()).isPositive();
  }
}
