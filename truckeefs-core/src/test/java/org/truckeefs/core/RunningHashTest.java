package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.BlobRef;

/**
 * A dirty chunk written sequentially from 0 is hashed as it is written, so its put need not read it again; the
 * digest it hands the blob store must always be the SHA-256 of the chunk file's bytes, whatever writes, overwrites
 * and truncations came in between (then it has none, and the store hashes the file itself).
 */
class RunningHashTest {
  static final int CHUNK = TestFs.CHUNK;

  @TempDir Path tmp;
  ChunkCache cache;
  final OpenFile.Journal journal = new NumberingJournal();

  @AfterEach
  void tearDown() throws Exception {
    if (cache != null) {
      cache.close();
    }
  }

  OpenFile file() throws Exception {
    return file(Runnable::run);
  }

  /** A file whose running hashes catch up on {@code hashers}. */
  OpenFile file(java.util.concurrent.Executor hashers) throws Exception {
    cache = ChunkCache.open(tmp.resolve("cache"), new LocalBlobStore(tmp.resolve("blobs")), Clock.systemUTC(), 0,
        Duration.ofHours(1), Runnable::run, 0, 0); // no memory: these chunks are files
    Instant t = Instant.EPOCH;
    InodeAttributes a = new InodeAttributes(InodeId.of(7), InodeType.FILE, 0644, 0, 0, 0, 1, 0, t, t, t, t, 1);
    return new OpenFile(a, List.of(), CHUNK, cache, Clock.systemUTC(), hashers);
  }

  static void write(OpenFile f, long offset, byte[] data) throws Exception {
    assertThat(f.write(offset, ByteBuffer.wrap(data), false)).isEqualTo(data.length);
  }

  static void writeInPieces(OpenFile f, long offset, byte[] data, int piece) throws Exception {
    for (int i = 0; i < data.length; i += piece) {
      int n = Math.min(piece, data.length - i);
      assertThat(f.write(offset + i, ByteBuffer.wrap(data, i, n), false)).isEqualTo(n);
    }
  }

  static byte[] sha256(Path p, long length) throws Exception {
    byte[] all = Files.readAllBytes(p);
    assertThat((long) all.length).isEqualTo(length);
    return MessageDigest.getInstance("SHA-256").digest(all);
  }

  Map<Long, DirtyChunk> sealed(OpenFile f) throws Exception {
    Snapshot s = f.seal(journal);
    assertThat(s).isNotNull();
    return s.chunks();
  }

  /** Every known digest is the digest of the file's bytes; returns how many chunks had one. */
  static int assertDigestsExact(Map<Long, DirtyChunk> chunks) throws Exception {
    int known = 0;
    for (DirtyChunk d : chunks.values()) {
      byte[] k = d.knownSha256();
      if (k != null) {
        known++;
        assertThat(k).as("digest of chunk %d", d.index).isEqualTo(sha256(d.path(), d.length));
      }
    }
    return known;
  }

  @Test
  void sequentialWrite_knowsTheDigestOfEveryChunk_theTailToo() throws Exception {
    OpenFile f = file();
    writeInPieces(f, 0, TestFs.pattern(2 * CHUNK + 1000, 1), 8192);
    Map<Long, DirtyChunk> chunks = sealed(f);
    assertThat(assertDigestsExact(chunks)).isEqualTo(3);
  }

  @Test
  void aDigestAskedTwice_isTheSame() throws Exception {
    OpenFile f = file();
    write(f, 0, TestFs.pattern(1000, 11));
    DirtyChunk d = sealed(f).get(0L);
    assertThat(d.knownSha256()).isEqualTo(d.knownSha256()).isEqualTo(sha256(d.path(), 1000));
  }

  @Test
  void aGapBeforeAWrite_losesTheDigest() throws Exception {
    OpenFile f = file();
    write(f, 10, TestFs.pattern(1000, 12));
    assertThat(assertDigestsExact(sealed(f))).isZero();
  }

  @Test
  void aCopyOnWriteChunkWrittenOverFromZero_knowsTheDigestOnlyWhenTheWritesCoverIt() throws Exception {
    OpenFile f = file();
    write(f, 0, TestFs.pattern(CHUNK, 13));
    sealed(f);
    write(f, 0, TestFs.pattern(100, 14)); // copies the sealed chunk, then overwrites its first 100 bytes
    Map<Long, DirtyChunk> partly = sealed(f);
    assertThat(partly.get(0L).knownSha256()).as("the copied rest was never hashed").isNull();
    writeInPieces(f, 0, TestFs.pattern(CHUNK, 15), 4096);
    assertThat(assertDigestsExact(sealed(f))).isEqualTo(1);
  }

  @Test
  void outOfOrderWrites_areHashedOnceTheGapIsFilled() throws Exception {
    OpenFile f = file();
    byte[] data = TestFs.pattern(CHUNK, 2);
    int q = CHUNK / 4;
    write(f, 2 * q, java.util.Arrays.copyOfRange(data, 2 * q, 3 * q)); // as a FUSE writeback's threads may
    write(f, q, java.util.Arrays.copyOfRange(data, q, 2 * q));
    write(f, 3 * q, java.util.Arrays.copyOfRange(data, 3 * q, CHUNK));
    write(f, 0, java.util.Arrays.copyOfRange(data, 0, q));
    Map<Long, DirtyChunk> chunks = sealed(f);
    assertThat(assertDigestsExact(chunks)).isEqualTo(1);
    assertThat(Files.readAllBytes(chunks.get(0L).path())).isEqualTo(data);
  }

  @Test
  void bytesWrittenAheadAndOverwrittenBeforeTheGapIsFilled_areHashedAsTheyEndUp() throws Exception {
    OpenFile f = file();
    write(f, 1000, TestFs.pattern(5000, 20));
    write(f, 2000, TestFs.pattern(100, 21)); // still ahead of the hashed prefix: not an overwrite of hashed bytes
    write(f, 0, TestFs.pattern(1000, 22));
    assertThat(assertDigestsExact(sealed(f))).isEqualTo(1);
  }

  @Test
  void aGapNeverFilled_leavesNoDigest() throws Exception {
    OpenFile f = file();
    write(f, 0, TestFs.pattern(1000, 23));
    write(f, 2000, TestFs.pattern(1000, 24));
    assertThat(assertDigestsExact(sealed(f))).isZero();
  }

  @Test
  void anOverwrite_losesTheDigest() throws Exception {
    OpenFile f = file();
    write(f, 0, TestFs.pattern(CHUNK, 3));
    write(f, 100, new byte[] {42});
    write(f, CHUNK, new byte[] {43}); // appending after it does not bring it back
    Map<Long, DirtyChunk> chunks = sealed(f);
    assertThat(chunks.get(0L).knownSha256()).isNull();
    assertDigestsExact(chunks);
  }

  @Test
  void aTruncate_losesTheDigest() throws Exception {
    OpenFile f = file();
    write(f, 0, TestFs.pattern(CHUNK + 10, 4));
    f.truncate(CHUNK / 2);
    Map<Long, DirtyChunk> chunks = sealed(f);
    assertThat(chunks.get(0L).knownSha256()).isNull();
    assertThat(chunks.get(0L).length).isEqualTo(CHUNK / 2);
    assertDigestsExact(chunks);
  }

  @Test
  void aChunkRewrittenWholeInANewLayer_isHashedAgain_withItsNewBytes() throws Exception {
    OpenFile f = file();
    write(f, 0, TestFs.pattern(CHUNK, 5));
    byte[] first = sealed(f).get(0L).knownSha256();
    write(f, 0, TestFs.pattern(CHUNK, 6)); // a new dirty layer: copy-on-write into a new file
    Map<Long, DirtyChunk> second = sealed(f);
    assertThat(assertDigestsExact(second)).isEqualTo(1);
    assertThat(second.get(0L).knownSha256()).isNotEqualTo(first);
  }

  @Test
  void aDirtyChunkFile_isPrivateFromTheStart_soTheBlobThatTakesItNeedsNoChmod() throws Exception {
    OpenFile f = file();
    write(f, 0, TestFs.pattern(100, 30));
    DirtyChunk d = sealed(f).get(0L);
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(d.path())))
        .isEqualTo("rw-------");
  }

  @Test
  void thePutOfAHashedChunk_storesItUnderTheDigestOfItsBytes() throws Exception {
    OpenFile f = file();
    byte[] data = TestFs.pattern(CHUNK, 8);
    write(f, 0, data);
    DirtyChunk d = sealed(f).get(0L);
    LocalBlobStore blobs = new LocalBlobStore(tmp.resolve("blobs"));
    BlobRef ref = blobs.putFile(d.path(), d.length, d.knownSha256());
    assertThat(ref.value()).isEqualTo(java.util.HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(data)));
    ByteBuffer back = ByteBuffer.allocate(CHUNK);
    assertThat(blobs.read(ref, 0, back)).isEqualTo(CHUNK);
    assertThat(back.array()).isEqualTo(data);
  }

  // ---- hashing off the writer's thread

  /** An executor that only queues: the test decides when (and whether) the catch-ups run. */
  static final class Queued implements java.util.concurrent.Executor {
    final java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable r) {
      tasks.add(r);
    }

    synchronized int runAll() {
      int n = 0;
      for (Runnable r; (r = tasks.poll()) != null; n++) {
        r.run();
      }
      return n;
    }
  }

  @Test
  void theWriter_leavesTheHashingToTheHashExecutor() throws Exception {
    Queued hashers = new Queued();
    OpenFile f = file(hashers);
    byte[] data = TestFs.pattern(CHUNK, 40);
    write(f, 0, data); // a whole chunk: more than a catch-up's step
    assertThat(hashers.tasks).as("the write queued a catch-up instead of hashing").hasSize(1);
    assertThat(hashers.runAll()).isEqualTo(1);
    assertThat(assertDigestsExact(sealed(f))).isEqualTo(1);
  }

  @Test
  void aPut_hashesABacklogWhoseCatchUpIsStillQueued_withoutWaitingForIt() throws Exception {
    Queued hashers = new Queued(); // a busy hashing executor: the task has not started when the put comes
    OpenFile f = file(hashers);
    write(f, 0, TestFs.pattern(CHUNK, 48));
    DirtyChunk d = sealed(f).get(0L);
    long t0 = System.nanoTime();
    byte[] digest = d.knownSha256();
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).isLessThan(java.time.Duration.ofSeconds(5));
    assertThat(digest).isEqualTo(sha256(d.path(), CHUNK));
    assertThat(hashers.runAll()).as("the late task finds nothing to do").isEqualTo(1);
    assertThat(d.knownSha256()).isEqualTo(digest);
  }

  @Test
  void aSealedChunkWhoseCatchUpNeverRan_isHashedByItsPut() throws Exception {
    Queued hashers = new Queued(); // never run: the put finds the claim unhashed, the tail too
    OpenFile f = file(hashers);
    write(f, 0, TestFs.pattern(CHUNK / 8, 41)); // below a step: nothing queued at all
    assertThat(hashers.tasks).isEmpty();
    assertThat(assertDigestsExact(sealed(f))).isEqualTo(1);
  }

  @Test
  void anOverwriteOfClaimedBytesBeforeTheirCatchUpRuns_leavesNoStaleDigest() throws Exception {
    Queued hashers = new Queued();
    OpenFile f = file(hashers);
    write(f, 0, TestFs.pattern(CHUNK / 2, 42)); // claimed, catch-up queued
    write(f, 100, TestFs.pattern(50, 43)); // into the claimed prefix, not yet hashed
    write(f, CHUNK / 2, TestFs.pattern(CHUNK / 2, 44));
    hashers.runAll();
    Map<Long, DirtyChunk> chunks = sealed(f);
    assertThat(chunks.get(0L).knownSha256()).as("an overwrite of claimed bytes loses the hash").isNull();
  }

  /**
   * The race the claim rule exists for: a catch-up has read bytes (not yet hashed, so its hashed prefix has not
   * moved) when the writer overwrites them. A digest taken afterwards would name the old bytes.
   */
  @Test
  void anOverwriteWhileACatchUpHoldsTheOldBytes_losesTheDigest() throws Exception {
    Path file = tmp.resolve("chunk");
    byte[] first = TestFs.pattern(2 * RunningHash.MAX_STEP, 45);
    Files.write(file, first);
    RunningHash h = new RunningHash();
    assertThat(h.wrote(0, first.length, RunningHash.MAX_STEP)).as("a catch-up is due").isTrue();
    RunningHash.Source real = RunningHash.of(file);
    boolean[] overwritten = {false};
    RunningHash.Source racing = () -> {
      RunningHash.Reader r = real.open();
      return new RunningHash.Reader() {
        @Override
        public boolean readFully(ByteBuffer dst, long pos) throws java.io.IOException {
          boolean ok = r.readFully(dst, pos);
          if (!overwritten[0]) { // the writer overwrites what this piece just read, as the file's lock allows
            overwritten[0] = true;
            try (java.nio.channels.FileChannel w = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE)) {
              w.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), pos + 10);
            }
            assertThat(h.wrote(pos + 10, first.length, RunningHash.MAX_STEP)).isFalse();
          }
          return ok;
        }

        @Override
        public void close() throws java.io.IOException {
          r.close();
        }
      };
    };
    h.catchUp(racing, -1, null);
    assertThat(overwritten[0]).isTrue();
    byte[] d = h.digestOf(first.length, real);
    assertThat(d).as("no digest of bytes the file no longer holds").isNull();
  }

  @Test
  void concurrentCatchUps_andOverwrites_neverYieldAStaleDigest() throws Exception {
    ExecutorService hashers = Executors.newSingleThreadExecutor();
    try {
      Random rnd = new Random(46);
      int known = 0;
      for (int round = 0; round < 60; round++) {
        if (cache != null) {
          cache.close();
        }
        OpenFile f = file(hashers);
        int piece = 4096 << rnd.nextInt(4);
        long end = 0;
        while (end < 3L * CHUNK) {
          write(f, end, TestFs.pattern(piece, rnd.nextInt()));
          end += piece;
          if (rnd.nextInt(40) == 0) { // now and then an overwrite of recent bytes, maybe being hashed right now
            write(f, Math.max(0, end - 1 - rnd.nextInt(piece * 2)), new byte[] {(byte) rnd.nextInt()});
          }
        }
        known += assertDigestsExact(sealed(f));
      }
      assertThat(known).as("most chunks are hashed as written").isGreaterThan(60);
    } finally {
      hashers.shutdownNow();
    }
  }

  @Test
  void aWholeFile_writtenWhileTheHashExecutorRuns_isStoredUnderItsDigest() throws Exception {
    ExecutorService hashers = Executors.newFixedThreadPool(2);
    try {
      OpenFile f = file(hashers);
      byte[] data = TestFs.pattern(5 * CHUNK + 123, 47);
      writeInPieces(f, 0, data, 16 * 1024);
      Map<Long, DirtyChunk> chunks = sealed(f);
      assertThat(assertDigestsExact(chunks)).isEqualTo(6);
    } finally {
      hashers.shutdownNow();
    }
  }
}
