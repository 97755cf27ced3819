package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.ChunkRef;

/**
 * Small dirty chunks live in memory (no cache file per small file) until they outgrow {@link DirtyChunk#MAX_IN_MEMORY}
 * or the budget; every way bytes reach or leave a chunk must keep them exact, and the budget must come back.
 */
class DirtyChunkMemoryTest {
  static final int CHUNK = 1 << 20; // larger than a chunk kept in memory, so chunks can outgrow memory
  static final int MAX = DirtyChunk.MAX_IN_MEMORY;

  @TempDir Path tmp;
  ChunkCache cache;
  final OpenFile.Journal journal = new NumberingJournal();

  @AfterEach
  void tearDown() throws Exception {
    if (cache != null) {
      cache.close();
    }
  }

  OpenFile file(long memory) throws Exception {
    cache = ChunkCache.open(tmp.resolve("cache"), new LocalBlobStore(tmp.resolve("blobs")), Clock.systemUTC(), 0,
        Duration.ofHours(1), Runnable::run, 0, memory);
    return newFile(7);
  }

  OpenFile newFile(long inode) {
    Instant t = Instant.EPOCH;
    InodeAttributes a = new InodeAttributes(InodeId.of(inode), InodeType.FILE, 0644, 0, 0, 0, 1, 0, t, t, t, t, 1);
    return new OpenFile(a, List.of(), CHUNK, cache, Clock.systemUTC(), Runnable::run);
  }

  long dirtyFiles() throws Exception {
    try (var files = Files.list(cache.dirtyDir())) {
      return files.count();
    }
  }

  static byte[] read(OpenFile f, long off, int n) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(n);
    f.read(off, b, false);
    return b.array();
  }

  @Test
  void aSmallFile_isInMemory_readsBack_andItsJournalRecordCarriesItsBytes() throws Exception {
    OpenFile f = file(RiverFsConfig.DEFAULT_DIRTY_MEMORY);
    byte[] data = TestFs.pattern(3000, 1);
    f.write(0, ByteBuffer.wrap(data), false);
    assertThat(dirtyFiles()).isZero();
    assertThat(read(f, 0, 3000)).isEqualTo(data);
    Snapshot s = f.seal(journal);
    DirtyChunk d = s.chunks().get(0L);
    assertThat(d.inMemory()).isTrue();
    PendingUpload.Part part = PendingUpload.decode(s.payload().encode()).parts().get(0);
    assertThat(part.bytes()).isEqualTo(data);
    assertThat(part.file()).isEmpty();
    assertThat(cache.memory().used()).isGreaterThanOrEqualTo(3000);
    assertThat(cache.dirtyBytes()).isEqualTo(3000);
  }

  @Test
  void aChunkThatOutgrowsMemory_movesToAFile_withItsBytes_andItsDigestStillKnown() throws Exception {
    OpenFile f = file(RiverFsConfig.DEFAULT_DIRTY_MEMORY);
    byte[] data = TestFs.pattern(3 * MAX, 2);
    RunningHashTest.writeInPieces(f, 0, data, 4096);
    assertThat(dirtyFiles()).isEqualTo(1);
    assertThat(cache.memory().used()).as("memory returned when the chunk moved").isZero();
    assertThat(read(f, 0, data.length)).isEqualTo(data);
    DirtyChunk d = f.seal(journal).chunks().get(0L);
    assertThat(d.inMemory()).isFalse();
    assertThat(Files.readAllBytes(d.path())).isEqualTo(data);
    assertThat(d.knownSha256()).as("a sequential write is hashed across the move")
        .isEqualTo(RunningHashTest.sha256(d.path(), data.length));
  }

  @Test
  void anOverwriteAfterSealing_copiesTheSealedBytes_andLeavesTheSnapshotAsItWas() throws Exception {
    OpenFile f = file(RiverFsConfig.DEFAULT_DIRTY_MEMORY);
    byte[] first = TestFs.pattern(10_000, 3);
    f.write(0, ByteBuffer.wrap(first), false);
    DirtyChunk sealed = f.seal(journal).chunks().get(0L);
    f.write(5000, ByteBuffer.wrap(new byte[] {1, 2, 3}), false);
    byte[] expected = first.clone();
    expected[5000] = 1;
    expected[5001] = 2;
    expected[5002] = 3;
    assertThat(read(f, 0, 10_000)).isEqualTo(expected);
    byte[] snapshotBytes = new byte[10_000];
    sealed.bytes().get(snapshotBytes);
    assertThat(snapshotBytes).isEqualTo(first);
    DirtyChunk next = f.seal(journal).chunks().get(0L);
    assertThat(next.inMemory()).isTrue();
    assertThat(next.written.pairs()).containsExactly(new long[] {5000, 5003});
  }

  @Test
  void truncateThenExtend_readsZerosWhereTheCutBytesWere() throws Exception {
    OpenFile f = file(RiverFsConfig.DEFAULT_DIRTY_MEMORY);
    f.write(0, ByteBuffer.wrap(TestFs.pattern(8000, 4)), false);
    f.truncate(1000);
    f.write(6000, ByteBuffer.wrap(new byte[] {9}), false);
    byte[] expected = new byte[6001];
    System.arraycopy(TestFs.pattern(8000, 4), 0, expected, 0, 1000);
    expected[6000] = 9;
    assertThat(f.size()).isEqualTo(6001);
    assertThat(read(f, 0, 6001)).isEqualTo(expected);
    assertThat(dirtyFiles()).isZero();
  }

  @Test
  void whenTheBudgetIsSpent_newChunksGoToFiles_andDiscardingReturnsIt() throws Exception {
    OpenFile a = file(MAX);
    byte[] big = TestFs.pattern(MAX - 10, 5);
    a.write(0, ByteBuffer.wrap(big), false);
    OpenFile b = newFile(8);
    byte[] other = TestFs.pattern(5000, 6);
    b.write(0, ByteBuffer.wrap(other), false);
    assertThat(dirtyFiles()).as("the second file found the budget spent").isEqualTo(1);
    assertThat(read(b, 0, 5000)).isEqualTo(other);
    assertThat(cache.memory().used()).isEqualTo(MAX - 10);
    a.seal(journal);
    a.discard();
    assertThat(cache.memory().used()).isZero();
    OpenFile c = newFile(9);
    c.write(0, ByteBuffer.wrap(other), false);
    assertThat(dirtyFiles()).as("room again: in memory").isEqualTo(1);
    assertThat(cache.memory().used()).isEqualTo(5000);
  }

  /** The whole chunk, read through the cache. */
  static byte[] cached(ChunkCache c, ChunkRef chunk) throws Exception {
    ByteBuffer back = ByteBuffer.allocate((int) chunk.length());
    c.read(chunk, 0, back, false);
    return back.array();
  }

  @Test
  void anUploadedChunkFromMemory_isCached_byLinkingALocalBlobsFile_elseByWritingIt() throws Exception {
    LocalBlobStore local = new LocalBlobStore(tmp.resolve("blobs"));
    byte[] data = TestFs.pattern(5000, 7);
    BlobRef ref = local.putBytes(ByteBuffer.wrap(data));
    ChunkRef chunk = new ChunkRef(0, ref, data.length);
    try (ChunkCache localCache = ChunkCache.open(tmp.resolve("c1"), local, Clock.systemUTC(), 0, Duration.ofHours(1),
        Runnable::run)) {
      localCache.adoptBytes(chunk, ByteBuffer.wrap(data));
      assertThat(localCache.isCached(ref)).isTrue();
      Path cached = tmp.resolve("c1").resolve("chunks").resolve(CacheDirectory.key(ref));
      assertThat(Files.isSameFile(cached, local.localFile(ref).orElseThrow())).as("the blob's file, linked").isTrue();
      assertThat(cached(localCache, chunk)).isEqualTo(data);
    }
    ControlledBlobStore remote = new ControlledBlobStore(local); // hides localFile: a store elsewhere
    try (ChunkCache remoteCache = ChunkCache.open(tmp.resolve("c2"), remote, Clock.systemUTC(), 0,
        Duration.ofHours(1), Runnable::run)) {
      remoteCache.adoptBytes(chunk, ByteBuffer.wrap(data));
      assertThat(remoteCache.isCached(ref)).isTrue();
      assertThat(cached(remoteCache, chunk)).isEqualTo(data);
      assertThat(remote.reads.get()).as("read from the cache file, not fetched").isZero();
    }
  }

  @Test
  void aCacheNameLeftTakenByACrash_isReplacedAtomically_andTheBlobIsNotTouched() throws Exception {
    LocalBlobStore local = new LocalBlobStore(tmp.resolve("blobs"));
    byte[] data = TestFs.pattern(3000, 8);
    BlobRef ref = local.putBytes(ByteBuffer.wrap(data));
    ChunkRef chunk = new ChunkRef(0, ref, data.length);
    for (BlobStore store : List.of(local, new ControlledBlobStore(local))) {
      Path dir = tmp.resolve("c-" + store.getClass().getSimpleName());
      try (ChunkCache c = ChunkCache.open(dir, store, Clock.systemUTC(), 0, Duration.ofHours(1), Runnable::run)) {
        Path stale = dir.resolve("chunks").resolve(CacheDirectory.key(ref));
        Files.write(stale, new byte[] {6, 6, 6}); // a data file whose ref file a crash never wrote
        c.adoptBytes(chunk, ByteBuffer.wrap(data));
        assertThat(cached(c, chunk)).isEqualTo(data);
        try (var left = Files.list(dir.resolve("chunks"))) {
          assertThat(left.filter(f -> f.toString().endsWith(".tmp"))).isEmpty();
        }
      }
    }
    ByteBuffer blob = ByteBuffer.allocate(data.length);
    local.read(ref, 0, blob);
    assertThat(blob.array()).isEqualTo(data);
  }

  @Test
  void dirtyMemory_isAtMostAnEighthOfTheHeap() throws Exception {
    TestFs t = new TestFs(tmp.resolve("fs"), new LocalBlobStore(tmp.resolve("fs-blobs")));
    try (RiverFS fs = RiverFS.open(t.config().dirtyMemory(Long.MAX_VALUE / 2).build())) {
      assertThat(fs.cache().memory().limit()).isEqualTo(Runtime.getRuntime().maxMemory() / 8);
    }
    try (RiverFS fs = RiverFS.open(t.config().dirtyMemory(1 << 20).build())) {
      assertThat(fs.cache().memory().limit()).isEqualTo(1 << 20);
    }
  }

  @Test
  void zeroMemory_keepsEveryChunkInAFile() throws Exception {
    OpenFile f = file(0);
    f.write(0, ByteBuffer.wrap(new byte[] {1}), false);
    Map<Long, DirtyChunk> chunks = f.seal(journal).chunks();
    assertThat(chunks.get(0L).inMemory()).isFalse();
    assertThat(dirtyFiles()).isEqualTo(1);
  }

  @Test
  void aJournalRecordOfTheOlderFormat_stillDecodes() throws Exception {
    // format 2 (no bytes after the ranges), as a version before chunks in memory wrote it
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    out.writeByte(2);
    out.writeLong(10);
    out.writeLong(Long.MAX_VALUE);
    out.writeLong(0);
    out.writeInt(0);
    out.writeBoolean(false);
    out.writeLong(Long.MAX_VALUE);
    out.writeInt(1);
    out.writeLong(0);
    out.writeLong(10);
    out.writeUTF("7-abc");
    out.writeInt(1);
    out.writeLong(0);
    out.writeLong(10);
    PendingUpload p = PendingUpload.decode(bytes.toByteArray());
    assertThat(p.parts().get(0).file()).isEqualTo("7-abc");
    assertThat(p.parts().get(0).bytes()).isNull();
    assertThat(Arrays.equals(p.parts().get(0).written().get(0), new long[] {0, 10})).isTrue();
  }
}
