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
import java.util.concurrent.atomic.AtomicLong;
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
  final AtomicLong journalIds = new AtomicLong();
  final OpenFile.Journal journal = new OpenFile.Journal() {
    @Override
    public long append(OpenFile file, long baseVersion, PendingUpload payload) {
      return journalIds.incrementAndGet();
    }

    @Override
    public void remove(long journalId) {}
  };

  @AfterEach
  void tearDown() throws Exception {
    cache.close();
  }

  OpenFile file() throws Exception {
    cache = ChunkCache.open(tmp.resolve("cache"), new LocalBlobStore(tmp.resolve("blobs")), Clock.systemUTC(), 0,
        Duration.ofHours(1), Runnable::run, 0);
    Instant t = Instant.EPOCH;
    InodeAttributes a = new InodeAttributes(InodeId.of(7), InodeType.FILE, 0644, 0, 0, 0, 1, 0, t, t, t, t, 1);
    return new OpenFile(a, List.of(), CHUNK, cache, Clock.systemUTC());
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
        assertThat(k).as("digest of chunk %d", d.index).isEqualTo(sha256(d.path, d.length));
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
    assertThat(d.knownSha256()).isEqualTo(d.knownSha256()).isEqualTo(sha256(d.path, 1000));
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
    assertThat(Files.readAllBytes(chunks.get(0L).path)).isEqualTo(data);
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
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(d.path)))
        .isEqualTo("rw-------");
  }

  @Test
  void thePutOfAHashedChunk_storesItUnderTheDigestOfItsBytes() throws Exception {
    OpenFile f = file();
    byte[] data = TestFs.pattern(CHUNK, 8);
    write(f, 0, data);
    DirtyChunk d = sealed(f).get(0L);
    LocalBlobStore blobs = new LocalBlobStore(tmp.resolve("blobs"));
    BlobRef ref = blobs.putFile(d.path, d.length, d.knownSha256());
    assertThat(ref.value()).isEqualTo(java.util.HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(data)));
    ByteBuffer back = ByteBuffer.allocate(CHUNK);
    assertThat(blobs.read(ref, 0, back)).isEqualTo(CHUNK);
    assertThat(back.array()).isEqualTo(data);
  }
}
