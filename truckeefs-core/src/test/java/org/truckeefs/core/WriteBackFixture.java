package org.truckeefs.core;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.testkit.FakeTicker;

/**
 * What a test of the write-back pipeline alone (no RiverFS) runs on: an in-memory store with a root directory, local
 * blobs behind a {@link ControlledBlobStore}, a local coordinator, a chunk cache, the open-file table, a journal and a
 * {@link WriteBack} over them. A test picks the drains' executor, and may change the journal or the store the
 * pipeline sees.
 */
abstract class WriteBackFixture {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final int CHUNK = 64 * 1024;

  @TempDir Path dir;
  final FakeTicker ticker = new FakeTicker();
  final ExecutorService puts = Executors.newFixedThreadPool(2);
  final ExecutorService fetches = Executors.newFixedThreadPool(2);
  /** The local coordinator's scheduler. */
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final InMemoryMetadataStore store = new InMemoryMetadataStore(Clock.systemUTC());
  final OpenFiles files = new OpenFiles();
  ControlledBlobStore blobs;
  LocalCoordinator coordinator;
  ChunkCache cache;
  WriteBackJournal journal;
  WriteBack writeBack;
  InodeAttributes root;

  /** The executor the pipeline runs its drains on (shut down after each test). */
  abstract ExecutorService drains();

  /** The store the pipeline sees: the in-memory store itself unless a test wraps it. */
  MetadataStore meta() {
    return store;
  }

  WriteBackJournal newJournal(Path root) throws FsException {
    return new WriteBackJournal(root, WriteBackJournal.DEFAULT_SLACK_BYTES);
  }

  @BeforeEach
  void setUpPipeline() throws Exception {
    blobs = new ControlledBlobStore(new LocalBlobStore(dir.resolve("blobs")));
    coordinator = new LocalCoordinator(new BackendContext("wb-" + System.nanoTime(), dir, Clock.systemUTC(), ticker,
        scheduler));
    cache = ChunkCache.open(dir.resolve("cache"), blobs, Clock.systemUTC(), 0, Duration.ofDays(1), fetches);
    journal = newJournal(cache.root());
    writeBack = newWriteBack(meta(), drains(), puts);
    root = store.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
  }

  /** A pipeline over this fixture's parts, with no dirty limit, a 1 s first retry and {@code host-a}'s marks. */
  WriteBack newWriteBack(MetadataStore meta, ExecutorService drains, ExecutorService puts) {
    return new WriteBack(meta, blobs, coordinator, files, new DirtyLimit(Long.MAX_VALUE, cache), "host-a", journal,
        Clock.systemUTC(), ticker, Duration.ofSeconds(1), Duration.ofSeconds(8), drains, puts, a -> { });
  }

  @AfterEach
  void tearDownPipeline() throws Exception {
    drains().shutdownNow();
    puts.shutdownNow();
    fetches.shutdownNow();
    journal.close();
    cache.close();
    coordinator.close();
    scheduler.shutdownNow();
  }

  /** {@code a}'s shared open file, new (no committed chunks). */
  OpenFile open(InodeAttributes a) throws FsException {
    return files.acquire(a.id(), id -> new OpenFile(a, List.of(), CHUNK, cache, Clock.systemUTC()));
  }

  static void write(OpenFile f, long offset, byte[] data) throws FsException {
    f.write(offset, ByteBuffer.wrap(data), false);
  }
}
