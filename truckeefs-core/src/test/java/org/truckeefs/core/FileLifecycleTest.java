package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.NewInode;
import org.truckeefs.testkit.FakeTicker;

/**
 * A file's life from open to purge, alone: open marks in the coordinator, purge of an unlinked file only when no
 * host has it open, the orphan sweep. "Hosts" are two coordinators sharing one in-JVM space.
 */
class FileLifecycleTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  final FakeTicker ticker = new FakeTicker();
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final ExecutorService pool = Executors.newFixedThreadPool(2);
  final InMemoryMetadataStore store = new InMemoryMetadataStore(Clock.systemUTC());
  final String space = "lifecycle-" + System.nanoTime();
  final List<InodeId> purged = new CopyOnWriteArrayList<>();
  LocalCoordinator here;
  LocalCoordinator other;
  ChunkCache cache;
  OpenFiles files;
  FileLifecycle lifecycle;
  InodeAttributes root;

  @BeforeEach
  void setUp() throws Exception {
    here = coordinator();
    other = coordinator();
    cache = ChunkCache.open(dir.resolve("cache"), new LocalBlobStore(dir.resolve("blobs")), Clock.systemUTC(), 0,
        Duration.ofDays(1), pool);
    files = new OpenFiles();
    WriteBack writeBack = new WriteBack(store, new LocalBlobStore(dir.resolve("blobs")), here, files,
        new DirtyLimit(Long.MAX_VALUE, cache), "host-a", WriteBackJournal.open(cache.root()), Clock.systemUTC(),
        ticker, Duration.ofSeconds(1), Duration.ofSeconds(2), pool, Executors.newSingleThreadExecutor(), a -> { });
    CachedMetadataStore meta = new CachedMetadataStore(store, Duration.ZERO, ticker);
    Namespace namespace = new Namespace(meta, files, c -> { }, null, Clock.systemUTC(), ticker);
    namespace.setEvents(new NamespaceEvents() {
      @Override
      public void purged(InodeId inode) {
        purged.add(inode);
      }
    });
    lifecycle = new FileLifecycle(meta, here, files, writeBack,
        (a, isNew) -> new OpenFile(a, List.of(), 64 * 1024, cache, Clock.systemUTC()), "host-a", namespace);
    root = store.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
  }

  LocalCoordinator coordinator() {
    return new LocalCoordinator(new BackendContext("fs", dir, Clock.systemUTC(), ticker, scheduler), space,
        Duration.ofMinutes(1));
  }

  @AfterEach
  void tearDown() throws Exception {
    cache.close();
    here.close();
    other.close();
    scheduler.shutdownNow();
    pool.shutdownNow();
  }

  InodeAttributes file(String name) throws FsException {
    return store.create(root.id(), Name.of(name), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
  }

  boolean marked(LocalCoordinator c, InodeId id) throws FsException {
    return c.getEphemeral("open:" + id.value() + ":" + c.sessionId()).isPresent();
  }

  boolean exists(InodeId id) {
    try {
      store.getAttributes(id);
      return true;
    } catch (FsException e) {
      assertThat(e.error()).isEqualTo(FsError.NOT_FOUND);
      return false;
    }
  }

  @Test
  void theFirstOpenMarksTheFileOpen_theLastCloseClearsTheMark() throws Exception {
    InodeAttributes f = file("f");
    OpenFile a = lifecycle.acquire(f.id());
    OpenFile b = lifecycle.acquire(f.id());
    assertThat(a).isSameAs(b);
    assertThat(marked(here, f.id())).isTrue();
    lifecycle.release(a);
    assertThat(marked(here, f.id())).isTrue();
    lifecycle.release(b);
    assertThat(marked(here, f.id())).isFalse();
    assertThat(files.contains(f.id())).isFalse();
  }

  @Test
  void anUnlinkedFileOpenHere_isPurgedByItsLastClose() throws Exception {
    InodeAttributes f = file("f");
    OpenFile a = lifecycle.acquire(f.id());
    store.unlink(root.id(), Name.of("f"), false, T);
    lifecycle.purgeIfClosed(f.id());
    assertThat(exists(f.id())).isTrue();
    lifecycle.release(a);
    assertThat(exists(f.id())).isFalse();
    assertThat(purged).containsExactly(f.id());
  }

  @Test
  void anUnlinkedFileOpenOnAnotherHost_isLeftForThatHost() throws Exception {
    InodeAttributes f = file("f");
    other.putEphemeral("open:" + f.id().value() + ":" + other.sessionId(), "host-b", Duration.ofHours(1));
    store.unlink(root.id(), Name.of("f"), false, T);
    lifecycle.purgeIfClosed(f.id());
    lifecycle.purgeOrphans();
    assertThat(exists(f.id())).isTrue();
    other.removeEphemeral("open:" + f.id().value() + ":" + other.sessionId());
    lifecycle.purgeOrphans();
    assertThat(exists(f.id())).isFalse();
  }

  @Test
  void theOrphanSweep_purgesOrphansNobodyHasOpen_andSkipsThoseOpenHere() throws Exception {
    InodeAttributes open = file("open");
    InodeAttributes closed = file("closed");
    OpenFile h = lifecycle.acquire(open.id());
    store.unlink(root.id(), Name.of("open"), false, T);
    store.unlink(root.id(), Name.of("closed"), false, T);
    lifecycle.purgeOrphans();
    assertThat(exists(closed.id())).isFalse();
    assertThat(exists(open.id())).isTrue();
    lifecycle.release(h);
    assertThat(exists(open.id())).isFalse();
  }
  // ---- claims: the unlink that purges in its own transaction

  @Test
  void aFileNobodyHasOpen_isClaimed_andAnOpenMeanwhileWaits_thenFindsItGone() throws Exception {
    InodeAttributes f = file("f");
    CountDownLatch claim = lifecycle.claimForPurge(f.id());
    assertThat(claim).isNotNull();
    CompletableFuture<Object> open = CompletableFuture.supplyAsync(() -> {
      try {
        return lifecycle.acquire(f.id());
      } catch (FsException e) {
        return e.error();
      }
    }, pool);
    store.unlink(root.id(), Name.of("f"), false, T, f.id());
    assertThat(open).isNotDone(); // it waits for the claim, however long the transaction takes
    lifecycle.endClaim(f.id(), claim);
    assertThat(open.get(10, TimeUnit.SECONDS)).isEqualTo(FsError.NOT_FOUND);
    assertThat(files.contains(f.id())).isFalse();
    assertThat(marked(here, f.id())).isFalse();
  }

  @Test
  void anOpenThatWaitedForAClaim_opensTheFile_whenTheUnlinkLeftItLinked() throws Exception {
    InodeAttributes f = file("f");
    store.link(f.id(), root.id(), Name.of("g"), T);
    CountDownLatch claim = lifecycle.claimForPurge(f.id());
    CompletableFuture<OpenFile> open = CompletableFuture.supplyAsync(() -> {
      try {
        return lifecycle.acquire(f.id());
      } catch (FsException e) {
        throw new IllegalStateException(e);
      }
    }, pool);
    store.unlink(root.id(), Name.of("f"), false, T, f.id());
    lifecycle.endClaim(f.id(), claim);
    OpenFile o = open.get(10, TimeUnit.SECONDS);
    assertThat(o.id).isEqualTo(f.id());
    lifecycle.release(o);
    assertThat(exists(f.id())).isTrue();
  }

  @Test
  void aFileOpenHere_orOnAnotherHost_isNotClaimed() throws Exception {
    InodeAttributes f = file("f");
    OpenFile a = lifecycle.acquire(f.id());
    assertThat(lifecycle.claimForPurge(f.id())).isNull();
    lifecycle.release(a);
    other.putEphemeral("open:" + f.id().value() + ":" + other.sessionId(), "host-b", Duration.ofHours(1));
    assertThat(lifecycle.claimForPurge(f.id())).isNull();
    OpenFile again = lifecycle.acquire(f.id()); // a refused claim leaves nothing behind
    lifecycle.release(again);
    other.removeEphemeral("open:" + f.id().value() + ":" + other.sessionId());
    CountDownLatch claim = lifecycle.claimForPurge(f.id());
    assertThat(claim).isNotNull();
    assertThat(lifecycle.claimForPurge(f.id())).as("one claim at a time").isNull();
    lifecycle.endClaim(f.id(), claim);
  }

  @Test
  void aFileUnlinkedByAnotherHostWhileOpenHere_isPurgedByTheLastCloseHere() throws Exception {
    InodeAttributes f = file("f");
    OpenFile a = lifecycle.acquire(f.id());
    store.unlink(root.id(), Name.of("f"), false, T); // the other host found it open here: no purge there
    lifecycle.release(a); // the cache (here disabled) is asked, not the unlinking host
    assertThat(exists(f.id())).isFalse();
  }

  @Test
  void theLastCloseOfAFileThisHostUnlinked_purgesIt() throws Exception {
    InodeAttributes f = file("f");
    InodeAttributes g = file("g");
    OpenFile a = lifecycle.acquire(f.id());
    OpenFile b = lifecycle.acquire(g.id());
    store.unlink(root.id(), Name.of("f"), false, T);
    lifecycle.purgeIfClosed(f.id());
    store.unlink(root.id(), Name.of("g"), false, T); // behind this host's back: the sweep finds it
    lifecycle.purgeOrphans();
    assertThat(exists(f.id())).isTrue();
    assertThat(exists(g.id())).isTrue();
    lifecycle.release(a);
    lifecycle.release(b);
    assertThat(exists(f.id())).isFalse();
    assertThat(exists(g.id())).isFalse();
  }

  @Test
  void aNewFileWhoseNameAConcurrentUnlinkPurged_isNotOpenedFromItsCreateAttributes() throws Exception {
    long stamp = lifecycle.claimStamp();
    InodeAttributes f = file("f");
    // another thread unlinks the new name (claim, purge, end) before the creator opens its file
    CountDownLatch claim = lifecycle.claimForPurge(f.id());
    store.unlink(root.id(), Name.of("f"), false, T, f.id());
    lifecycle.endClaim(f.id(), claim);
    FsException e = org.assertj.core.api.Assertions.catchThrowableOfType(
        () -> lifecycle.acquire(f.id(), f, stamp), FsException.class);
    assertThat(e.error()).isEqualTo(FsError.NOT_FOUND);
    assertThat(files.contains(f.id())).isFalse();

    long quiet = lifecycle.claimStamp();
    InodeAttributes g = file("g");
    OpenFile o = lifecycle.acquire(g.id(), g, quiet); // no purge came between: opened from what create returned
    assertThat(o.id).isEqualTo(g.id());
    lifecycle.release(o);
  }
}
