package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.truckeefs.core.TestFs.CHUNK;
import static org.truckeefs.core.TestFs.ROOT;
import static org.truckeefs.core.TestFs.n;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.testkit.LiveFiles;

/**
 * A sole host with local blobs gives a deleted or overwritten file's blobs back at once (no collector pass, no grace
 * period), never while an upload of the same bytes may still commit them, and only there.
 */
class PromptReleaseTest {
  private static final Duration SOON = Duration.ofSeconds(10);

  @TempDir Path dir;
  RiverFS fs;

  @AfterEach
  void close() throws Exception {
    if (fs != null) {
      fs.close();
    }
  }

  /** The blob files now (the release may be deleting some meanwhile). */
  private List<Path> blobFiles() throws IOException {
    return LiveFiles.regularFilesUnder(dir.resolve("blobs")).stream()
        .filter(p -> !p.getParent().getFileName().toString().equals(LocalBlobStore.TMP)).toList();
  }

  private Path blobFile(BlobRef ref) {
    return dir.resolve("blobs").resolve(ref.value().substring(0, 2)).resolve(ref.value());
  }

  private List<BlobRef> blobsOf(TestFs t, String name) throws Exception {
    return t.meta.chunks(TestFs.lookup(fs, name).id()).stream().map(ChunkRef::blob).toList();
  }

  /** Random bytes: every chunk distinct (a pattern repeats per chunk, and its chunks would share one blob). */
  private static byte[] random(int len, int seed) {
    byte[] b = new byte[len];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  private long writeSynced(String name, byte[] data) throws Exception {
    long h = TestFs.createFile(fs, name);
    TestFs.write(fs, h, 0, data);
    fs.fsync(h, false);
    return h;
  }

  @Test
  void anUnlinkedFile_givesItsBlobsAndTheirCacheEntriesBack_withoutTheCollector() throws Exception {
    TestFs t = TestFs.local(dir);
    fs = t.open();
    assertThat(fs.promptRelease().active()).isTrue();
    fs.release(writeSynced("f", random(3 * CHUNK + 10, 1)));
    List<BlobRef> refs = blobsOf(t, "f");
    assertThat(blobFiles()).hasSize(4);
    assertThat(refs).allMatch(r -> fs.cache().isCached(r));

    fs.unlink(ROOT, InodeId.ROOT, n("f"));

    await().atMost(SOON).until(() -> blobFiles().isEmpty());
    assertThat(refs).noneMatch(r -> fs.cache().isCached(r));
    assertThat(t.meta.takeReleasableBlobs(Instant.now().plus(Duration.ofDays(1)), 100))
        .as("their rows went with them").isEmpty();
    assertThat(fs.promptRelease().pinnedCount()).isZero();
  }

  @Test
  void aFileUnlinkedWhileOpen_keepsItsBlobsUntilItsLastClose() throws Exception {
    TestFs t = TestFs.local(dir);
    fs = t.open();
    byte[] data = random(2 * CHUNK, 2);
    long h = writeSynced("f", data);
    fs.unlink(ROOT, InodeId.ROOT, n("f"));
    await().during(Duration.ofMillis(3 * PromptRelease.DELAY.toMillis())).atMost(SOON)
        .until(() -> blobFiles().size() == 2);
    assertThat(TestFs.read(fs, h, 0, data.length)).isEqualTo(data);

    fs.release(h);

    await().atMost(SOON).until(() -> blobFiles().isEmpty());
  }

  @Test
  void anOverwrittenChunk_givesItsOldBlobBack_andKeepsTheOthers() throws Exception {
    TestFs t = TestFs.local(dir);
    fs = t.open();
    byte[] data = random(2 * CHUNK, 3);
    long h = writeSynced("f", data);
    List<BlobRef> before = blobsOf(t, "f");
    byte[] first = random(CHUNK, 4);
    TestFs.write(fs, h, 0, first);
    fs.fsync(h, false);

    await().atMost(SOON).until(() -> !Files.exists(blobFile(before.get(0))));
    assertThat(blobFile(before.get(1))).exists();
    System.arraycopy(first, 0, data, 0, CHUNK);
    assertThat(TestFs.read(fs, h, 0, data.length)).isEqualTo(data);
    fs.release(h);
  }

  /**
   * The race the collector's grace period guards in time: an upload of the same bytes stored its blob by finding it
   * already there, and has not committed yet, when the only file that referenced it goes. The upload's pin keeps the
   * blob; its commit then references it, and it stays.
   */
  @Test
  void aBlobAnUploadReusedBeforeItsCommit_isKept() throws Exception {
    ControlledBlobStore blobs = new ControlledBlobStore(new LocalBlobStore(dir.resolve("blobs")));
    blobs.nameByDigest = true;
    TestFs t = new TestFs(dir, blobs);
    fs = t.open();
    byte[] x = random(CHUNK / 2, 5);
    fs.release(writeSynced("a", x));
    BlobRef ref = blobsOf(t, "a").get(0);

    blobs.afterPutGate = new Semaphore(0);
    long b = TestFs.createFile(fs, "b");
    TestFs.write(fs, b, 0, x);
    fs.release(b); // close(): its upload runs in the background, and stops between its put and its commit
    try {
      await().atMost(SOON).until(() -> blobs.waitingAfterPut.get() == 1);
      assertThat(fs.promptRelease().pinnedCount()).as("b's upload pins the blob it found stored").isEqualTo(1);

      fs.unlink(ROOT, InodeId.ROOT, n("a"));
      assertThat(fs.promptRelease().releaseQueued()).isZero();
      assertThat(blobFile(ref)).as("kept for the upload").exists();
      assertThat(fs.promptRelease().queuedCount()).as("tried again after the upload").isEqualTo(1);
    } finally {
      blobs.afterPutGate.release(100);
    }
    await().atMost(SOON).until(() -> fs.status().pendingUploads() == 0 && fs.promptRelease().pinnedCount() == 0);
    await().atMost(SOON).until(() -> fs.promptRelease().queuedCount() == 0);
    assertThat(blobsOf(t, "b")).containsExactly(ref);
    assertThat(blobFile(ref)).as("b references it").exists();

    fs.close();
    TestFs.deleteQuietly(dir.resolve("cache")); // read it from the blob store, not from the cache
    fs = t.open();
    long again = fs.open(ROOT, TestFs.lookup(fs, "b").id(), OpenFlags.READ).handle();
    assertThat(TestFs.read(fs, again, 0, x.length)).isEqualTo(x);
    fs.release(again);
  }

  /**
   * A read fetches what it needs before it takes the file's lock; by the time that fetch reaches the blob store, the
   * file may have been overwritten and the old blob released. The read then reads the file as it is now.
   */
  @Test
  void aReadWhoseFetchOutlivesTheOldBlob_readsTheNewContent() throws Exception {
    ControlledBlobStore blobs = new ControlledBlobStore(new LocalBlobStore(dir.resolve("blobs")));
    blobs.nameByDigest = true;
    TestFs t = new TestFs(dir, blobs);
    fs = t.open();
    fs.release(writeSynced("f", random(CHUNK, 8)));
    BlobRef old = blobsOf(t, "f").get(0);
    fs.close();
    TestFs.deleteQuietly(dir.resolve("cache")); // cold: the read fetches from the blob store
    fs = t.open();
    InodeId id = TestFs.lookup(fs, "f").id();
    long r = fs.open(ROOT, id, OpenFlags.READ).handle();
    long w = fs.open(ROOT, id, OpenFlags.READ_WRITE).handle();
    byte[] fresh = random(CHUNK, 9);

    Semaphore gate = new Semaphore(0);
    blobs.readGate = gate;
    CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
      try {
        return TestFs.read(fs, r, 0, CHUNK);
      } catch (FsException e) {
        throw new CompletionException(e);
      }
    });
    try {
      await().atMost(SOON).until(() -> blobs.waitingReads.get() == 1); // its fetch waits, holding no lock
      TestFs.write(fs, w, 0, fresh); // the whole chunk: nothing to copy from the old blob
      fs.fsync(w, false);
      await().atMost(SOON).until(() -> !Files.exists(blobFile(old)));
    } finally {
      blobs.readGate = null;
      gate.release(100);
    }

    assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(fresh);
    fs.release(r);
    fs.release(w);
  }

  @Test
  void anUploadOfABlobBeingReleased_storesItAgain() throws Exception {
    TestFs t = TestFs.local(dir);
    fs = t.open();
    byte[] x = random(CHUNK, 6);
    fs.release(writeSynced("a", x));
    BlobRef ref = blobsOf(t, "a").get(0);
    fs.unlink(ROOT, InodeId.ROOT, n("a"));
    await().atMost(SOON).until(() -> !Files.exists(blobFile(ref)));

    fs.release(writeSynced("b", x));

    assertThat(blobsOf(t, "b")).containsExactly(ref);
    assertThat(blobFile(ref)).exists();
    assertThat(Files.readAllBytes(blobFile(ref))).isEqualTo(x);
  }

  /** An upload that stored its blob for a file removed before its commit: nothing names the blob, and it goes. */
  @Test
  void theBlobOfAnUploadWhoseFileWentBeforeItsCommit_goesToo() throws Exception {
    ControlledBlobStore blobs = new ControlledBlobStore(new LocalBlobStore(dir.resolve("blobs")));
    blobs.nameByDigest = true;
    fs = new TestFs(dir, blobs).open();
    uploadStalledThenRemoved(blobs);

    await().atMost(SOON).until(() -> blobFiles().isEmpty());
  }

  /** The same without prompt release: the uploader's note lets the collector find the blob (it never did before). */
  @Test
  void theBlobOfAnUploadWhoseFileWentBeforeItsCommit_isFoundByTheCollector() throws Exception {
    ControlledBlobStore blobs = new ControlledBlobStore(new LocalBlobStore(dir.resolve("blobs")));
    fs = RiverFS.open(new TestFs(dir, blobs).config().blobGcGrace(Duration.ZERO).build());
    assertThat(fs.promptRelease().active()).isFalse();
    uploadStalledThenRemoved(blobs);
    await().atMost(SOON).until(() -> fs.status().pendingUploads() == 0);

    await().atMost(SOON).until(() -> fs.collectBlobs() == 1);
    assertThat(blobFiles()).isEmpty();
  }

  private void uploadStalledThenRemoved(ControlledBlobStore blobs) throws Exception {
    Semaphore gate = new Semaphore(0);
    blobs.afterPutGate = gate;
    long h = TestFs.createFile(fs, "f");
    TestFs.write(fs, h, 0, random(CHUNK / 2, 11));
    fs.release(h); // its upload stores the blob, then waits before its commit
    try {
      await().atMost(SOON).until(() -> blobs.waitingAfterPut.get() == 1);
      assertThat(blobFiles()).hasSize(1);
      fs.unlink(ROOT, InodeId.ROOT, n("f"));
    } finally {
      blobs.afterPutGate = null;
      gate.release(100);
    }
  }

  /** A long run of writes, overwrites and removals: every blob goes, and nothing stays pinned or queued. */
  @Test
  void aLongRunOfWritesAndRemovals_leavesNoBlobNoPinAndNoQueue() throws Exception {
    TestFs t = TestFs.local(dir);
    fs = t.open();
    java.util.Random rnd = new java.util.Random(10);
    int files = 2000;
    int live = 16;
    for (int i = 0; i < files; i++) {
      long h = TestFs.createFile(fs, "f" + i);
      // mostly small files (chunks in memory), some of a chunk and more (chunk files); a third overwritten
      TestFs.write(fs, h, 0, random(i % 7 == 0 ? CHUNK + 1 + rnd.nextInt(CHUNK) : 1 + rnd.nextInt(4096), i));
      if (i % 3 == 0) {
        fs.flush(h);
        TestFs.write(fs, h, 0, random(1 + rnd.nextInt(4096), -i));
      }
      fs.release(h);
      if (i >= live) {
        fs.unlink(ROOT, InodeId.ROOT, n("f" + (i - live)));
      }
    }
    for (int i = files - live; i < files; i++) {
      fs.unlink(ROOT, InodeId.ROOT, n("f" + i));
    }

    // every blob goes: also those of uploads whose file was removed before their commit (noted by the uploader)
    await().atMost(Duration.ofSeconds(60)).until(() -> fs.status().pendingUploads() == 0
        && fs.promptRelease().queuedCount() == 0 && blobFiles().isEmpty());
    assertThat(fs.promptRelease().pinnedCount()).isZero();
    assertThat(t.meta.takeReleasableBlobs(Instant.now().plus(Duration.ofDays(1)), 10_000))
        .as("nothing left for the collector").isEmpty();
  }

  @Test
  void isOff_whenAGracePeriodIsSet_orWithASharedCoordinator_orWithoutDigestNames() throws Exception {
    TestFs t = TestFs.local(dir);
    fs = RiverFS.open(t.config().blobGcGrace(Duration.ofMinutes(5)).build());
    assertThat(fs.promptRelease().active()).isFalse();
    fs.release(writeSynced("f", random(CHUNK, 7)));
    fs.unlink(ROOT, InodeId.ROOT, n("f"));
    await().during(Duration.ofMillis(3 * PromptRelease.DELAY.toMillis())).atMost(SOON)
        .until(() -> blobFiles().size() == 1);
    fs.close();

    fs = t.host("h2", "space-" + Arrays.hashCode(dir.toString().getBytes()));
    assertThat(fs.promptRelease().active()).as("other hosts may upload the same bytes").isFalse();
    fs.close();

    fs = new TestFs(dir.resolve("other"), new ControlledBlobStore(new LocalBlobStore(dir.resolve("b2")))).open();
    assertThat(fs.promptRelease().active()).as("the store cannot name a blob before its put").isFalse();
  }
}
