package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.WriteOut;

/** The bytes a sequential writer finished are handed to {@link WriteOut} behind it, in order, chunk by chunk. */
@Timeout(60)
class ChunkWriteOutTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final int CHUNK = 1 << 20;
  static final int WRITE = 128 * 1024;

  @TempDir Path dir;
  final ExecutorService hashers = Executors.newSingleThreadExecutor();
  final ExecutorService fetchers = Executors.newSingleThreadExecutor();

  @AfterEach
  void tearDown() {
    hashers.shutdownNow();
    fetchers.shutdownNow();
  }

  /** Ranges started per file, merged where they touch. */
  static final class Recorder implements WriteOut {
    final Map<Path, TreeMap<Long, Long>> started = new ConcurrentHashMap<>();

    @Override
    public void start(Path file, long offset, long length) {
      assertThat(length).isPositive();
      TreeMap<Long, Long> r = started.computeIfAbsent(file, f -> new TreeMap<>());
      synchronized (r) {
        r.put(offset, Math.max(r.getOrDefault(offset, 0L), offset + length));
      }
    }

    /** Whether {@code [0, length)} of some file was started, as one run. */
    boolean covered(long length) {
      return started.values().stream().filter(r -> {
        synchronized (r) {
          long end = 0;
          for (Map.Entry<Long, Long> e : r.entrySet()) {
            if (e.getKey() > end) {
              return false;
            }
            end = Math.max(end, e.getValue());
          }
          return end >= length;
        }
      }).count() > 0;
    }

    long files() {
      return started.size();
    }
  }

  private OpenFile file(ChunkCache cache, WriteOut out) throws Exception {
    InMemoryMetadataStore store = new InMemoryMetadataStore(Clock.systemUTC());
    InodeAttributes root = store.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
    InodeAttributes a = store.create(root.id(), Name.of("f"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
    return new OpenFile(a, List.of(), CHUNK, cache, Clock.systemUTC(), hashers, out);
  }

  @Test
  void aSequentialWrite_startsTheWriteOutOfEveryFinishedChunk() throws Exception {
    Recorder out = new Recorder();
    try (ChunkCache cache = ChunkCache.open(dir.resolve("c"), new LocalBlobStore(dir.resolve("b")),
        Clock.systemUTC(), 0, Duration.ofDays(1), fetchers)) {
      OpenFile f = file(cache, out);
      byte[] data = TestFs.pattern(2 * CHUNK, 7);
      for (int off = 0; off < data.length; off += WRITE) {
        f.write(off, ByteBuffer.wrap(data, off, WRITE), false);
      }
      await("both chunks' bytes started for the disk").atMost(Duration.ofSeconds(30))
          .until(() -> out.files() == 2 && out.started.values().stream().allMatch(r -> {
            synchronized (r) {
              return !r.isEmpty() && r.lastEntry().getValue() == CHUNK;
            }
          }));
      assertThat(out.covered(CHUNK)).as("every byte of a chunk, from 0, without a hole").isTrue();
      for (TreeMap<Long, Long> r : out.started.values()) {
        synchronized (r) {
          assertThat(r.firstKey()).isZero();
        }
      }
    }
  }

  @Test
  void bytesWrittenOutOfOrder_areNotStartedAhead() throws Exception {
    Recorder out = new Recorder();
    try (ChunkCache cache = ChunkCache.open(dir.resolve("c"), new LocalBlobStore(dir.resolve("b")),
        Clock.systemUTC(), 0, Duration.ofDays(1), fetchers)) {
      OpenFile f = file(cache, out);
      byte[] data = TestFs.pattern(CHUNK, 3);
      // the second half first: nothing from 0 is finished, so nothing is hashed or started
      f.write(CHUNK / 2, ByteBuffer.wrap(data, CHUNK / 2, CHUNK / 2), false);
      // a probe task queued behind any catch-up: once it ran, every catch-up before it has
      hashers.submit(() -> { }).get();
      assertThat(out.files()).isZero();
    }
  }

  @Test
  void aFailingWriteOut_losesNothing() throws Exception {
    WriteOut failing = (file, offset, length) -> {
      throw new java.io.IOException("no such file (test)");
    };
    try (ChunkCache cache = ChunkCache.open(dir.resolve("c"), new LocalBlobStore(dir.resolve("b")),
        Clock.systemUTC(), 0, Duration.ofDays(1), fetchers)) {
      OpenFile f = file(cache, failing);
      byte[] data = TestFs.pattern(CHUNK, 5);
      for (int off = 0; off < data.length; off += WRITE) {
        f.write(off, ByteBuffer.wrap(data, off, WRITE), false);
      }
      hashers.submit(() -> { }).get();
      ByteBuffer back = ByteBuffer.allocate(CHUNK);
      assertThat(f.read(0, back, true)).isEqualTo(CHUNK);
      assertThat(back.array()).isEqualTo(data);
    }
  }
}
