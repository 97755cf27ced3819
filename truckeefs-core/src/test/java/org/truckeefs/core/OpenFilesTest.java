package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;

class OpenFilesTest {
  static final InodeId A = InodeId.of(10);

  @TempDir Path tmp;
  ChunkCache cache;
  OpenFiles table = new OpenFiles();

  @BeforeEach
  void setUp() throws Exception {
    cache = ChunkCache.open(tmp.resolve("cache"), new LocalBlobStore(tmp.resolve("blobs")), Clock.systemUTC(), 0,
        Duration.ofHours(1), Runnable::run, 0);
  }

  @AfterEach
  void tearDown() {
    cache.close();
  }

  OpenFile file(InodeId id) {
    Instant t = Instant.EPOCH;
    InodeAttributes a = new InodeAttributes(id, InodeType.FILE, 0644, 0, 0, 0, 1, 0, t, t, t, t, 1);
    return new OpenFile(a, List.of(), TestFs.CHUNK, cache, Clock.systemUTC());
  }

  @Test
  void theSecondOpenSharesTheFirstsOpenFile_withoutLoadingAgain() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    OpenFiles.Loader loader = id -> {
      loads.incrementAndGet();
      return file(id);
    };
    OpenFile first = table.acquire(A, loader);
    OpenFile second = table.acquire(A, loader);
    assertThat(second).isSameAs(first);
    assertThat(first.refs).isEqualTo(2);
    assertThat(loads).hasValue(1);
  }

  @Test
  void theLastReleaseOfAnIdleFileDropsIt_andCountsTheDrop() throws Exception {
    OpenFile f = table.acquire(A, this::file);
    table.acquire(A, this::file);
    assertThat(table.release(f)).isEqualTo(1);
    assertThat(table.get(A)).isSameAs(f);
    long drops = table.drops();
    assertThat(table.release(f)).isZero();
    assertThat(table.get(A)).isNull();
    assertThat(table.drops()).isEqualTo(drops + 1);
  }

  @Test
  void aFileWithUnsavedDataStaysAfterItsLastRelease_untilItIsUnused() throws Exception {
    OpenFile f = table.acquire(A, this::file);
    f.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}), false);
    assertThat(table.release(f)).isZero();
    assertThat(table.get(A)).as("unsaved data keeps it").isSameAs(f);
    f.discard();
    table.dropIfUnused(f);
    assertThat(table.get(A)).isNull();
  }

  @Test
  void anIdleFileWhoseUploadIsStillFinishing_staysAfterItsLastRelease_untilTheUploadDropsIt() throws Exception {
    OpenFile f = table.acquire(A, this::file);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
      f.uploadLock.lock(); // an upload that committed and is announcing it
      try {
        held.countDown();
        done.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        f.uploadLock.unlock();
      }
    });
    assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(f.idle()).isTrue();
    assertThat(table.release(f)).isZero();
    assertThat(table.get(A)).as("kept while its upload finishes").isSameAs(f);
    done.countDown();
    upload.get(30, TimeUnit.SECONDS);
    table.dropIfUnused(f);
    assertThat(table.get(A)).isNull();
  }

  @Test
  void aSlowStoreReadHoldsNoLock_aConcurrentOpenOfTheSameInodeGoesAhead() throws Exception {
    CountDownLatch storeStalled = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<OpenFile> slow = CompletableFuture.supplyAsync(() -> {
      try {
        return table.acquire(A, id -> {
          storeStalled.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return file(id);
        });
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    assertThat(storeStalled.await(10, TimeUnit.SECONDS)).isTrue();
    // with the store read inside the map's compute this would wait for the stalled read
    OpenFile fast = CompletableFuture.supplyAsync(() -> {
      try {
        return table.acquire(A, this::file);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }).get(10, TimeUnit.SECONDS);
    release.countDown();
    assertThat(slow.get(10, TimeUnit.SECONDS)).as("the slower loader's copy is dropped").isSameAs(fast);
    assertThat(fast.refs).isEqualTo(2);
  }

  @Test
  void aPurgeTakesOnlyAFileNoHandleHas() throws Exception {
    OpenFile f = table.acquire(A, this::file);
    assertThat(table.takeForPurge(A).busy()).isTrue();
    assertThat(table.get(A)).isSameAs(f);
    f.write(0, ByteBuffer.wrap(new byte[] {1}), false); // pending data does not keep an unlinked file
    table.release(f);
    OpenFiles.Taken t = table.takeForPurge(A);
    assertThat(t.busy()).isFalse();
    assertThat(t.file()).isSameAs(f);
    assertThat(table.get(A)).isNull();
    assertThat(table.takeForPurge(A)).isEqualTo(OpenFiles.Taken.ABSENT);
    f.discard();
  }
}
