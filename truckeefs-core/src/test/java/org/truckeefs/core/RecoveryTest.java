package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.NewInode;
import org.truckeefs.testkit.FakeTicker;

/** Startup replay of the upload journal, alone: what is resumed, what is dropped, what is cleaned up. */
@Timeout(60)
class RecoveryTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final int CHUNK = 64 * 1024;

  @TempDir Path dir;
  final FakeTicker ticker = new FakeTicker();
  final ExecutorService drains = Executors.newFixedThreadPool(2);
  final ExecutorService puts = Executors.newFixedThreadPool(2);
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final InMemoryMetadataStore store = new InMemoryMetadataStore(Clock.systemUTC());
  LocalCoordinator coordinator;
  ChunkCache cache;
  OpenFiles files;
  WriteBack writeBack;
  InodeAttributes root;

  @BeforeEach
  void setUp() throws Exception {
    LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
    coordinator = new LocalCoordinator(new BackendContext("rec-" + System.nanoTime(), dir, Clock.systemUTC(), ticker,
        scheduler));
    cache = ChunkCache.open(dir.resolve("cache"), blobs, Clock.systemUTC(), 0, Duration.ofDays(1), drains);
    files = new OpenFiles();
    writeBack = new WriteBack(store, blobs, coordinator, files, new DirtyLimit(Long.MAX_VALUE, cache), "host-a",
        Clock.systemUTC(), ticker, Duration.ofSeconds(1), Duration.ofSeconds(8), drains, puts, a -> { });
    root = store.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
  }

  @AfterEach
  void tearDown() throws Exception {
    drains.shutdownNow();
    puts.shutdownNow();
    cache.close();
    coordinator.close();
    scheduler.shutdownNow();
  }

  InodeAttributes file(String name) throws Exception {
    return store.create(root.id(), Name.of(name), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
  }

  /** What a crashed host left: a dirty cache file and the journal entry naming it. */
  long journaled(InodeAttributes f, String cacheFile, byte[] content, int journaledLength) throws Exception {
    Files.write(cache.dirtyDir().resolve(cacheFile), content);
    PendingUpload p = new PendingUpload(journaledLength, Long.MAX_VALUE, T, false, Long.MAX_VALUE,
        List.of(new PendingUpload.Part(0, journaledLength, cacheFile, List.of(new long[] {0, journaledLength}))));
    return store.journalAppend(new JournalEntry(0, f.id(), "host-a", f.version(), p.encode(), T)).id();
  }

  Recovery recovery() {
    return new Recovery(store, cache, files, writeBack, a -> new OpenFile(a, store.chunks(a.id()), CHUNK, cache,
        Clock.systemUTC()));
  }

  void awaitJournalEmpty() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!store.journal("host-a").isEmpty()) {
      assertThat(System.nanoTime()).as("resumed uploads commit within 30 s").isLessThan(deadline);
      LockSupport.parkNanos(1_000_000);
    }
  }

  @Test
  void aCompleteEntry_isResumedAndCommitted() throws Exception {
    InodeAttributes f = file("f");
    journaled(f, "2-aaaa", TestFs.bytes("hello"), 5);
    assertThat(recovery().run()).isEqualTo(1);
    awaitJournalEmpty();
    assertThat(store.getAttributes(f.id()).size()).isEqualTo(5);
    assertThat(store.chunks(f.id())).hasSize(1);
  }

  @Test
  void anEntryWhoseCacheFileIsShort_isDropped_asAfterAPowerLossBeforeFsync() throws Exception {
    InodeAttributes f = file("f");
    journaled(f, "2-bbbb", TestFs.bytes("hel"), 5);
    recovery().run();
    assertThat(store.journal("host-a")).isEmpty();
    assertThat(store.getAttributes(f.id()).size()).isZero();
    assertThat(files.size()).isZero();
  }

  @Test
  void anEntryOfAnUnlinkedFile_isDropped() throws Exception {
    InodeAttributes f = file("f");
    journaled(f, "2-cccc", TestFs.bytes("hello"), 5);
    store.unlink(root.id(), Name.of("f"), false, T);
    recovery().run();
    assertThat(store.journal("host-a")).isEmpty();
    assertThat(Files.exists(cache.dirtyDir().resolve("2-cccc"))).isFalse();
  }

  @Test
  void dirtyFilesNoEntryNames_areDeleted_namedOnesKept() throws Exception {
    InodeAttributes f = file("f");
    cache.addDirty(5);
    Files.write(cache.dirtyDir().resolve("9-stray"), TestFs.bytes("stray"));
    journaled(f, "2-dddd", TestFs.bytes("hello"), 5);
    recovery().run();
    assertThat(Files.exists(cache.dirtyDir().resolve("9-stray"))).isFalse();
    awaitJournalEmpty();
    assertThat(store.getAttributes(f.id()).size()).isEqualTo(5);
  }
}
