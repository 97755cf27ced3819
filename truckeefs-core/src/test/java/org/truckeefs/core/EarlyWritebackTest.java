package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.DiskWriteback;

/**
 * The disk write of a chunk file is started once the chunk is full and its running hash complete, on complete
 * bytes only, never for content the blob store holds already, and only where a {@link DiskWriteback} is available.
 */
class EarlyWritebackTest {
  static final int CHUNK = 256 * 1024; // above DirtyChunk.MAX_IN_MEMORY: chunk files, which alone are hashed

  @TempDir Path tmp;
  LocalBlobStore blobs;
  ChunkCache cache;
  final OpenFile.Journal journal = new NumberingJournal();
  int inode = 7;

  /** Records each start, and whether the bytes it names were all in the file at that moment. */
  static final class Recording implements DiskWriteback {
    final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    final List<Path> started = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void start(Path file, long offset, long length) {
      try {
        if (offset != 0 || length != CHUNK || Files.size(file) != CHUNK) {
          problems.add(file + ": started [" + offset + ", +" + length + ") of " + Files.size(file) + " bytes");
        }
      } catch (java.io.IOException e) {
        problems.add(e.toString());
      }
      started.add(file);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    if (cache != null) {
      cache.close();
    }
  }

  OpenFile file(DiskWriteback disk) throws Exception {
    if (cache == null) {
      blobs = new LocalBlobStore(tmp.resolve("blobs"));
      cache = ChunkCache.open(tmp.resolve("cache"), blobs, Clock.systemUTC(), 0, Duration.ofHours(1), Runnable::run,
          0, 0); // no memory: chunk files
    }
    Instant t = Instant.EPOCH;
    InodeAttributes a = new InodeAttributes(InodeId.of(inode++), InodeType.FILE, 0644, 0, 0, 0, 1, 0, t, t, t, t, 1);
    return new OpenFile(a, List.of(), CHUNK, cache, Clock.systemUTC(), Runnable::run,
        new EarlyWriteback(disk, blobs));
  }

  @Test
  void aSequentialWrite_startsEachFullChunk_once_andNotThePartialTail() throws Exception {
    Recording rec = new Recording();
    OpenFile f = file(rec);
    RunningHashTest.writeInPieces(f, 0, TestFs.pattern(3 * CHUNK + 1000, 1), 8192);
    Map<Long, DirtyChunk> chunks = f.seal(journal).chunks();

    assertThat(rec.problems).isEmpty();
    assertThat(rec.started).containsExactly(chunks.get(0L).path(), chunks.get(1L).path(), chunks.get(2L).path());
  }

  @Test
  void contentTheStoreHolds_isNotWrittenEarly_newContentIs() throws Exception {
    Recording rec = new Recording();
    byte[] data = TestFs.pattern(2 * CHUNK, 2);
    OpenFile first = file(DiskWriteback.NONE);
    RunningHashTest.writeInPieces(first, 0, data, 8192);
    for (DirtyChunk d : first.seal(journal).chunks().values()) {
      blobs.putFile(d.path(), d.length, d.knownSha256()); // uploaded, as the write-back pipeline would
    }

    OpenFile again = file(rec);
    RunningHashTest.writeInPieces(again, 0, data, 8192);
    again.seal(journal);
    assertThat(rec.started).as("the same bytes again: deduplicated by their puts").isEmpty();

    byte[] changed = data.clone();
    changed[CHUNK + 5]++; // the second chunk differs
    OpenFile other = file(rec);
    RunningHashTest.writeInPieces(other, 0, changed, 8192);
    Map<Long, DirtyChunk> chunks = other.seal(journal).chunks();
    assertThat(rec.started).containsExactly(chunks.get(1L).path());
    assertThat(rec.problems).isEmpty();
  }

  @Test
  void aChunkWithAGap_orOverwrittenBeforeItWasFull_isNotWrittenEarly() throws Exception {
    Recording rec = new Recording();
    OpenFile f = file(rec);
    RunningHashTest.writeInPieces(f, 10, TestFs.pattern(CHUNK - 10, 3), 8192); // chunk 0 but its bytes [0, 10)
    RunningHashTest.writeInPieces(f, CHUNK, TestFs.pattern(CHUNK / 2, 4), 8192); // chunk 1 from its 0 ...
    RunningHashTest.write(f, CHUNK + 100, TestFs.pattern(100, 5)); // ... overwritten: its hash is lost for good
    RunningHashTest.writeInPieces(f, CHUNK + CHUNK / 2, TestFs.pattern(CHUNK / 2, 6), 8192);
    f.seal(journal);
    assertThat(rec.started).isEmpty();
  }

  @Test
  void noWritebackAvailable_startsNothing() throws Exception {
    Recording rec = new Recording();
    DiskWriteback unavailable = new DiskWriteback() {
      @Override
      public void start(Path file, long offset, long length) {
        rec.start(file, offset, length);
      }

      @Override
      public boolean available() {
        return false;
      }
    };
    OpenFile f = file(unavailable);
    RunningHashTest.writeInPieces(f, 0, TestFs.pattern(2 * CHUNK, 7), 8192);
    f.seal(journal);
    assertThat(rec.started).isEmpty();
  }

  @Test
  void riverFs_startsFullChunks_throughTheConfiguredWriteback() throws Exception {
    Recording rec = new Recording();
    TestFs t = TestFs.local(tmp);
    try (RiverFS fs = RiverFS.open(t.config().chunkSize(CHUNK).diskWriteback(rec).build())) {
      long h = TestFs.createFile(fs, "seq");
      byte[] data = TestFs.pattern(4 * CHUNK, 8);
      for (int off = 0; off < data.length; off += 8192) {
        fs.write(h, off, ByteBuffer.wrap(data, off, 8192));
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rec.started).hasSize(4));
      fs.release(h);
    }
    assertThat(rec.problems).isEmpty();
  }

  @Test
  void withoutAProviderOnTheClassPath_noneIsFound_andAConfiguredOneWins() throws Exception {
    assertThat(DiskWritebacks.find()).isSameAs(DiskWriteback.NONE);
    assertThat(DiskWriteback.NONE.available()).isFalse();
    Recording rec = new Recording();
    TestFs t = TestFs.local(tmp);
    assertThat(DiskWritebacks.of(t.config().diskWriteback(rec).build())).isSameAs(rec);
    assertThat(DiskWritebacks.of(t.config().build())).isSameAs(DiskWriteback.NONE);
  }
}
