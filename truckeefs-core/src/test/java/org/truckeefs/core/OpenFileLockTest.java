package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.NewInode;
import org.truckeefs.testkit.FakeTicker;

/** {@link OpenFile}'s content lock is not held across a blob-store GET. */
@Timeout(60)
class OpenFileLockTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final int CHUNK = 64 * 1024;

  @TempDir Path dir;
  final ExecutorService pool = Executors.newFixedThreadPool(4);
  final ExecutorService puts = Executors.newFixedThreadPool(2);
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    puts.shutdownNow();
    scheduler.shutdownNow();
  }

  @Test
  void aReadFetchingFromTheBlobStore_doesNotHoldUpAWriterOfTheSameFile() throws Exception {
    InMemoryMetadataStore store = new InMemoryMetadataStore(Clock.systemUTC());
    ControlledBlobStore blobs = new ControlledBlobStore(new LocalBlobStore(dir.resolve("blobs")));
    InodeAttributes root = store.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
    InodeAttributes a = store.create(root.id(), Name.of("f"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
    try (LocalCoordinator coordinator = new LocalCoordinator(new BackendContext("ofl-" + System.nanoTime(), dir,
        Clock.systemUTC(), new FakeTicker(), scheduler));
        ChunkCache writerCache = ChunkCache.open(dir.resolve("c1"), blobs, Clock.systemUTC(), 0, Duration.ofDays(1),
            pool)) {
      // two committed chunks, written through another cache
      WriteBack wb = new WriteBack(store, blobs, coordinator, new OpenFiles(), new DirtyLimit(Long.MAX_VALUE,
          writerCache), "h", WriteBackJournal.open(writerCache.root()), Clock.systemUTC(), new FakeTicker(), Duration.ofSeconds(1), Duration.ofSeconds(2), pool,
          puts, x -> { });
      OpenFile w = new OpenFile(a, java.util.List.of(), CHUNK, writerCache, Clock.systemUTC());
      w.write(0, ByteBuffer.wrap(TestFs.pattern(2 * CHUNK, 1)), false);
      wb.commitNow(w);
    }
    // this host's cache is empty: a read of chunk 0 goes to the blob store, which stalls
    try (ChunkCache cache = ChunkCache.open(dir.resolve("c2"), blobs, Clock.systemUTC(), 0, Duration.ofDays(1),
        pool)) {
      OpenFile f = new OpenFile(store.getAttributes(a.id()), store.chunks(a.id()), CHUNK, cache, Clock.systemUTC());
      blobs.readGate = new Semaphore(0);
      CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
        try {
          return f.read(0, ByteBuffer.allocate(100), false);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }, pool);
      await("the read reaches the blob store").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
          .until(() -> blobs.waitingReads.get() > 0);
      // the GET is stalled; a write replacing chunk 1 completes meanwhile
      CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
        try {
          return f.write(CHUNK, ByteBuffer.wrap(TestFs.pattern(CHUNK, 2)), false);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }, pool);
      assertThat(writer.get(30, TimeUnit.SECONDS)).isEqualTo(CHUNK);
      assertThat(reader).isNotDone();
      blobs.readGate.release(1000);
      assertThat(reader.get(30, TimeUnit.SECONDS)).isEqualTo(100);
      f.closeResources();
    }
  }

  /**
   * getattr of a file being written (and the kernel's mtime flushes, which overlay it too) must not queue behind
   * the writes that hold the content lock across their pwrite; it sees the file as of the last released write.
   */
  @Test
  void theAttributeOverlay_doesNotWaitForAWriteInProgress_andShowsTheLastFinishedOne() throws Exception {
    InodeAttributes a = new InodeAttributes(org.truckeefs.api.InodeId.of(9), InodeType.FILE, 0644, 0, 0, 0, 1, 0, T,
        T, T, T, 1);
    try (ChunkCache cache = ChunkCache.open(dir.resolve("c"), new LocalBlobStore(dir.resolve("b")),
        Clock.systemUTC(), 0, Duration.ofDays(1), pool)) {
      Clock clock = Clock.fixed(T.plusSeconds(5), java.time.ZoneOffset.UTC);
      OpenFile f = new OpenFile(a, java.util.List.of(), CHUNK, cache, clock);
      f.write(0, ByteBuffer.wrap(TestFs.pattern(1000, 2)), false);
      Semaphore held = new Semaphore(0);
      Semaphore done = new Semaphore(0);
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        f.lock.writeLock().lock(); // as a write holds it across its pwrite
        try {
          held.release();
          done.acquireUninterruptibly();
        } finally {
          f.lock.writeLock().unlock();
        }
      }, pool);
      assertThat(held.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
      InodeAttributes seen = CompletableFuture.supplyAsync(() -> f.overlay(a), pool).get(10, TimeUnit.SECONDS);
      assertThat(seen.size()).isEqualTo(1000);
      assertThat(seen.mtime()).isEqualTo(T.plusSeconds(5));
      done.release();
      writer.get(10, TimeUnit.SECONDS);
    }
  }
}
