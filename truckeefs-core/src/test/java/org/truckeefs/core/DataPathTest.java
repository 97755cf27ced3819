package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.truckeefs.core.TestFs.*;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.spi.ChunkRef;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataPathTest {
  @TempDir Path tmp;
  ControlledBlobStore blobs;
  TestFs t;
  RiverFS fs;

  @BeforeEach
  void setUp() throws Exception {
    blobs = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    t = new TestFs(tmp, blobs);
    fs = t.open();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fs != null) {
      blobs.putGate = null;
      blobs.failPuts = false;
      fs.close();
    }
  }

  /** The next process on the crashed one's cache directory, metadata store and blob directory. */
  private RiverFS restartAfterCrash(ControlledBlobStore blobsNow) throws FsException {
    TestFs t2 = new TestFs(tmp, blobsNow);
    return RiverFS.open(t2.config().metadataUri("testmeta2:").backends(Backends.empty()
        .register(TestFs.metaProvider("testmeta2", t.meta)).register(TestFs.blobProvider(blobsNow))).build());
  }

  private static void assertContent(RiverFS in, InodeId id, byte[] expected) throws FsException {
    long r = in.open(ROOT, id, OpenFlags.READ).handle();
    try {
      assertThat(read(in, r, 0, expected.length)).isEqualTo(expected);
    } finally {
      in.release(r);
    }
  }

  /** Closes the restarted filesystem, then lets the crashed one's uploads, blocked at the gate, fail and end. */
  private void closeAfterCrash(RiverFS restarted) throws FsException {
    restarted.close();
    blobs.failPuts = true;
    blobs.putGate.release(100);
  }

  private InodeId id(String name) throws FsException {
    return lookup(fs, name).id();
  }

  /** Uploads everything, then starts again without cached chunks: every read goes to the blob store. */
  private void reopenWithEmptyCache() throws Exception {
    fs.syncAll();
    fs.close();
    TestFs.deleteQuietly(tmp.resolve("cache").resolve("chunks"));
    fs = t.open();
  }

  private long openRw(String name) throws FsException {
    return fs.open(ROOT, id(name), OpenFlags.READ_WRITE).handle();
  }

  @Test
  void sparseWriteFarPastEnd_readsZerosInTheGap_andAllocatesOnlyTheWrittenChunk() throws Exception {
    long h = createFile(fs, "sparse");
    long far = 1000L * CHUNK + 5;
    write(fs, h, far, bytes("end"));
    assertThat(fs.getattr(id("sparse")).size()).isEqualTo(far + 3);
    assertThat(read(fs, h, 10L * CHUNK, 100)).containsOnly(0);
    assertThat(read(fs, h, far - 2, 10)).containsExactly(0, 0, 'e', 'n', 'd');
    fs.fsync(h, false);
    fs.release(h);
    assertThat(t.meta.chunks(id("sparse"))).extracting(ChunkRef::index).containsExactly(1000L);
    assertThat(blobs.puts.get()).isEqualTo(1);
  }

  @Test
  void truncateDownThenUp_exposesZerosNotOldData() throws Exception {
    long h = createFile(fs, "t");
    byte[] data = pattern(3 * CHUNK, 1);
    write(fs, h, 0, data);
    fs.fsync(h, false);
    fs.setattr(ROOT, id("t"), SetAttr.truncate(CHUNK + 10), h);
    fs.setattr(ROOT, id("t"), SetAttr.truncate(3 * CHUNK), h);
    byte[] back = read(fs, h, 0, 3 * CHUNK);
    assertThat(Arrays.copyOf(back, CHUNK + 10)).isEqualTo(Arrays.copyOf(data, CHUNK + 10));
    assertThat(Arrays.copyOfRange(back, CHUNK + 10, 3 * CHUNK)).containsOnly(0);
    fs.fsync(h, false);
    fs.release(h);
    long h2 = fs.open(ROOT, id("t"), OpenFlags.READ).handle();
    assertThat(read(fs, h2, 0, 3 * CHUNK)).isEqualTo(back);
    fs.release(h2);
  }

  @Test
  void partialOverwriteOfCommittedChunk_keepsTheRestOfTheChunk() throws Exception {
    long h = createFile(fs, "p");
    byte[] data = pattern(2 * CHUNK, 3);
    write(fs, h, 0, data);
    fs.fsync(h, false);
    write(fs, h, 100, bytes("XYZ"));
    fs.fsync(h, false);
    fs.release(h);
    System.arraycopy(bytes("XYZ"), 0, data, 100, 3);
    long h2 = fs.open(ROOT, id("p"), OpenFlags.READ).handle();
    assertThat(read(fs, h2, 0, 2 * CHUNK)).isEqualTo(data);
  }

  @Test
  void appendHandle_writesAtEndOfFile() throws Exception {
    long h = createFile(fs, "log");
    write(fs, h, 0, bytes("abc"));
    long a = fs.open(ROOT, id("log"), OpenFlags.WRITE.with(OpenFlags.O_APPEND)).handle();
    write(fs, a, 0, bytes("def"));
    assertThat(read(fs, h, 0, 10)).isEqualTo(bytes("abcdef"));
  }

  @Test
  void getattrOfOpenFile_showsUnflushedSize() throws Exception {
    long h = createFile(fs, "g");
    write(fs, h, 0, new byte[5000]);
    assertThat(fs.getattr(id("g")).size()).isEqualTo(5000);
    assertThat(t.meta.getAttributes(id("g")).size()).isZero();
  }

  @Test
  void fsync_putsDataInTheBlobStoreBeforeReturning() throws Exception {
    long h = createFile(fs, "f");
    byte[] data = pattern(CHUNK + 17, 9);
    write(fs, h, 0, data);
    fs.fsync(h, false);
    var chunks = t.meta.chunks(id("f"));
    assertThat(chunks).hasSize(2);
    ByteBuffer b = ByteBuffer.allocate(data.length);
    for (ChunkRef c : chunks) {
      blobs.read(c.blob(), 0, b.slice(b.position(), (int) c.length()));
      b.position(b.position() + (int) c.length());
    }
    assertThat(b.array()).isEqualTo(data);
    assertThat(t.meta.getAttributes(id("f")).size()).isEqualTo(data.length);
  }

  @Test
  void writesDuringAnUpload_areNeitherLostNorMixedIn() throws Exception {
    long h = createFile(fs, "w");
    byte[] first = pattern(CHUNK, 1);
    write(fs, h, 0, first);
    blobs.putGate = new Semaphore(0);
    fs.flush(h); // upload of snapshot 1 starts and blocks in put
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
        .until(() -> blobs.waitingPuts.get() == 1);
    write(fs, h, 10, bytes("second"));
    assertThat(read(fs, h, 0, 16)).startsWith(Arrays.copyOf(first, 10)).endsWith(bytes("second"));
    blobs.putGate.release(100);
    blobs.putGate = null;
    fs.fsync(h, false);
    byte[] expected = first.clone();
    System.arraycopy(bytes("second"), 0, expected, 10, 6);
    fs.release(h);
    TestFs.deleteQuietly(tmp.resolve("cache").resolve("chunks")); // force reads from the blob store
    fs.close();
    fs = t.open();
    long r = fs.open(ROOT, id("w"), OpenFlags.READ).handle();
    assertThat(read(fs, r, 0, CHUNK)).isEqualTo(expected);
  }

  @Test
  void unlinkWhileOpen_keepsDataUntilLastRelease_thenPurges() throws Exception {
    long h = createFile(fs, "u");
    write(fs, h, 0, bytes("still here"));
    fs.fsync(h, false);
    InodeId id = id("u");
    fs.unlink(ROOT, InodeId.ROOT, n("u"));
    assertThatThrownBy(() -> lookup(fs, "u")).isInstanceOf(FsException.class);
    assertThat(read(fs, h, 0, 100)).isEqualTo(bytes("still here"));
    write(fs, h, 0, bytes("STILL"));
    assertThat(fs.getattr(id).nlink()).isZero();
    fs.release(h);
    assertThatThrownBy(() -> t.meta.getAttributes(id))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    // The snapshot the release sealed may be on an upload thread already: that thread, not the purge, then closes
    // its journal record when it finds the file gone.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
        .until(() -> fs.journaledUploads() == 0);
  }

  @Test
  void failedUpload_keepsDataPendingAndOldContentIntact_thenRetrySucceeds() throws Exception {
    long h = createFile(fs, "r");
    write(fs, h, 0, bytes("old content"));
    fs.fsync(h, false);
    blobs.failPuts = true;
    write(fs, h, 0, bytes("NEW"));
    assertThatThrownBy(() -> fs.fsync(h, false))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO));
    assertThat(fs.status().pendingUploads()).isEqualTo(1);
    assertThat(fs.journaledUploads()).isEqualTo(1);
    assertThat(read(fs, h, 0, 11)).isEqualTo(bytes("NEW content"));
    // the committed content is the old one
    var chunk = t.meta.chunks(id("r")).get(0);
    ByteBuffer b = ByteBuffer.allocate(11);
    blobs.read(chunk.blob(), 0, b);
    assertThat(b.array()).isEqualTo(bytes("old content"));
    blobs.failPuts = false;
    fs.syncAll();
    assertThat(fs.status().pendingUploads()).isZero();
    assertThat(fs.journaledUploads()).isZero();
  }

  @Test
  void smallRandomRead_fetchesOnlyTheNeededBlockWithARangedRead() throws Exception {
    long h = createFile(fs, "big");
    byte[] data = pattern(8 * CHUNK, 5);
    write(fs, h, 0, data);
    fs.fsync(h, false);
    fs.release(h);
    fs.close();
    TestFs.deleteQuietly(tmp.resolve("cache").resolve("chunks"));
    fs = t.open();
    blobs.readCalls.clear();
    long r = fs.open(ROOT, id("big"), OpenFlags.READ).handle();
    assertThat(read(fs, r, 5L * CHUNK + 1000, 100)).isEqualTo(Arrays.copyOfRange(data, 5 * CHUNK + 1000, 5 * CHUNK + 1100));
    assertThat(blobs.readCalls).hasSize(1);
    assertThat(blobs.readCalls.get(0).length()).isLessThanOrEqualTo(ChunkCache.BLOCK);
    assertThat(blobs.readCalls.get(0).offset()).isEqualTo(0); // 1000 is in the first block of chunk 5
  }

  @Test
  void sequentialRead_returnsAllData() throws Exception {
    long h = createFile(fs, "seq");
    byte[] data = pattern(5 * CHUNK + 99, 2);
    write(fs, h, 0, data);
    fs.release(h);
    reopenWithEmptyCache();
    long r = fs.open(ROOT, id("seq"), OpenFlags.READ).handle();
    ByteBuffer all = ByteBuffer.allocate(data.length);
    long off = 0;
    ByteBuffer b = ByteBuffer.allocate(4096);
    while (true) {
      b.clear();
      int n = fs.read(r, off, b);
      if (n == 0) {
        break;
      }
      b.flip();
      all.put(b);
      off += n;
    }
    assertThat(all.array()).isEqualTo(data);
  }

  /**
   * The kernel's read-ahead sends several READs at once; they arrive out of order and are still sequential: each
   * fetches the chunk after it in the background (a read far from where the handle's reads reached does not).
   */
  @Test
  void readsArrivingOutOfOrder_countAsSequential_andFetchTheNextChunkAhead() throws Exception {
    long h = createFile(fs, "ooo");
    byte[] data = new byte[4 * CHUNK];
    new java.util.Random(7).nextBytes(data); // four different chunks, four blobs
    write(fs, h, 0, data);
    fs.release(h);
    reopenWithEmptyCache();
    java.util.List<ChunkRef> chunks = t.meta.chunks(id("ooo"));
    long r = fs.open(ROOT, id("ooo"), OpenFlags.READ).handle();
    read(fs, r, 0, CHUNK / 2);
    read(fs, r, CHUNK + CHUNK / 2, CHUNK / 2); // the later request first
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(blobs.readCalls).extracting(ControlledBlobStore.ReadCall::ref).contains(chunks.get(2).blob()));
    assertThat(blobs.readCalls).extracting(ControlledBlobStore.ReadCall::ref).doesNotContain(chunks.get(3).blob());
    read(fs, r, CHUNK / 2, CHUNK); // then the earlier one
    assertThat(read(fs, r, 0, 4 * CHUNK)).isEqualTo(data);
    fs.release(r);
  }

  @Test
  void afterUpload_dataStaysCached_andIsNotDownloadedAgain() throws Exception {
    long h = createFile(fs, "c");
    write(fs, h, 0, pattern(2 * CHUNK, 4));
    fs.fsync(h, false);
    fs.release(h);
    blobs.readCalls.clear();
    long r = fs.open(ROOT, id("c"), OpenFlags.READ).handle();
    assertThat(read(fs, r, 0, 2 * CHUNK)).isEqualTo(pattern(2 * CHUNK, 4));
    assertThat(blobs.readCalls).isEmpty();
  }

  @Test
  void closedButNotUploadedData_survivesACrashAndIsUploadedAtTheNextOpen() throws Exception {
    long h = createFile(fs, "crash");
    byte[] data = pattern(2 * CHUNK + 5, 11);
    write(fs, h, 0, data);
    blobs.putGate = new Semaphore(0); // uploads never get through in this "process"
    fs.release(h);
    assertThat(fs.journaledUploads()).isEqualTo(1);
    String host = fs.hostId();
    fs.releaseDataDirAsIfCrashed();
    fs = null; // dropped without close(): a crash (its upload threads stay blocked on the gate)
    assertThat(RiverFS.pendingUploads(tmp.resolve("cache"), t.meta)).as("what status reports").isEqualTo(1);
    ControlledBlobStore afterRestart = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    RiverFS fs2 = restartAfterCrash(afterRestart);
    try {
      assertThat(fs2.hostId()).isEqualTo(host);
      InodeId id = fs2.lookup(ROOT, InodeId.ROOT, n("crash")).id();
      assertThat(fs2.getattr(id).size()).isEqualTo(data.length);
      fs2.syncAll();
      assertThat(fs2.journaledUploads()).isZero();
      assertThat(t.meta.getAttributes(id).size()).isEqualTo(data.length);
      assertThat(RiverFS.pendingUploads(tmp.resolve("cache"), t.meta)).isZero();
      assertThat(afterRestart.puts.get()).isEqualTo(3);
      assertContent(fs2, id, data);
    } finally {
      closeAfterCrash(fs2);
    }
  }

  @Test
  void afterAPowerLossBeforeFsync_aShortCacheFileIsDropped_notCommitted_andOtherFilesAreRecovered() throws Exception {
    fs.close();
    fs = RiverFS.open(t.config().dirtyMemory(0).build()); // every chunk in a cache file of its own
    long lost = createFile(fs, "lost");
    write(fs, lost, 0, pattern(CHUNK, 12));
    long kept = createFile(fs, "kept");
    byte[] keptData = pattern(CHUNK / 2, 13);
    write(fs, kept, 0, keptData);
    blobs.putGate = new Semaphore(0);
    fs.release(lost);
    fs.release(kept);
    assertThat(fs.journaledUploads()).isEqualTo(2);
    String host = fs.hostId();
    InodeId lostId = id("lost");
    fs.releaseDataDirAsIfCrashed();
    fs = null; // a crash; then the page cache lost the tail of "lost"'s never-forced chunk file, as a power loss may
    try (var files = java.nio.file.Files.list(tmp.resolve("cache").resolve("dirty"))) {
      Path lostFile = files.filter(f -> f.getFileName().toString().startsWith(lostId.value() + "-")).findFirst()
          .orElseThrow();
      try (var ch = java.nio.channels.FileChannel.open(lostFile, java.nio.file.StandardOpenOption.WRITE)) {
        ch.truncate(100);
      }
    }
    ControlledBlobStore afterRestart = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    RiverFS fs2 = restartAfterCrash(afterRestart);
    try {
      fs2.syncAll();
      assertThat(fs2.journaledUploads()).isZero();
      assertThat(t.meta.getAttributes(lostId).size()).as("unsynced data is gone, not replaced by garbage")
          .isZero();
      InodeId keptId = fs2.lookup(ROOT, InodeId.ROOT, n("kept")).id();
      assertContent(fs2, keptId, keptData);
    } finally {
      closeAfterCrash(fs2);
    }
  }

  @Test
  void smallFilesKeptInMemory_needNoCacheFile_andSurviveACrashInTheJournal() throws Exception {
    byte[][] data = new byte[20][];
    blobs.putGate = new Semaphore(0); // uploads never get through in this "process"
    for (int i = 0; i < data.length; i++) {
      data[i] = pattern(100 + i * 1000, 20 + i);
      long h = createFile(fs, "small" + i);
      write(fs, h, 0, data[i]);
      fs.release(h);
    }
    try (var files = Files.list(tmp.resolve("cache").resolve("dirty"))) {
      assertThat(files.count()).as("dirty cache files").isZero();
    }
    assertThat(fs.journaledUploads()).isEqualTo(data.length);
    fs.releaseDataDirAsIfCrashed();
    fs = null; // a crash: what close() returned is in the journal only
    ControlledBlobStore afterRestart = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    RiverFS fs2 = restartAfterCrash(afterRestart);
    try {
      fs2.syncAll();
      assertThat(fs2.journaledUploads()).isZero();
      assertThat(afterRestart.putBytesCalls.get()).isEqualTo(data.length);
      for (int i = 0; i < data.length; i++) {
        InodeId id = fs2.lookup(ROOT, InodeId.ROOT, n("small" + i)).id();
        assertThat(t.meta.getAttributes(id).size()).isEqualTo(data[i].length);
        assertContent(fs2, id, data[i]);
      }
    } finally {
      closeAfterCrash(fs2);
    }
  }

  @Test
  void afterAPowerLossBeforeFsync_aTornJournalRecordOfASmallFile_isNotCommitted() throws Exception {
    byte[] keptData = pattern(5000, 30);
    long kept = createFile(fs, "kept");
    write(fs, kept, 0, keptData);
    long lost = createFile(fs, "lost");
    write(fs, lost, 0, pattern(7000, 31));
    blobs.putGate = new Semaphore(0);
    fs.release(kept);
    fs.release(lost); // the journal's last record
    InodeId lostId = id("lost");
    fs.releaseDataDirAsIfCrashed();
    fs = null; // a crash; then the page cache lost the journal's tail, as a power loss may
    Path journal = tmp.resolve("cache").resolve(WriteBackJournal.DIR).resolve(WriteBackJournal.FILE);
    try (var ch = java.nio.channels.FileChannel.open(journal, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 100);
    }
    ControlledBlobStore afterRestart = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    RiverFS fs2 = restartAfterCrash(afterRestart);
    try {
      fs2.syncAll();
      assertThat(fs2.journaledUploads()).isZero();
      assertThat(t.meta.getAttributes(lostId).size()).as("unsynced data is gone, not replaced by garbage").isZero();
      assertContent(fs2, fs2.lookup(ROOT, InodeId.ROOT, n("kept")).id(), keptData);
    } finally {
      closeAfterCrash(fs2);
    }
  }

  @Test
  void cacheDirectory_isOwnerOnly() throws Exception {
    assertThat(Files.getPosixFilePermissions(tmp.resolve("cache")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
  }
}
