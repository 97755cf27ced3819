package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.OpenFlags;

/** Which handles bypass the page cache: write-only ones opened alone, and every handle opened beside one of them. */
class DirectWritesTest {
  static final int WRITE_ONLY = OpenFlags.O_WRONLY;
  static final int READ_ONLY = OpenFlags.O_RDONLY;

  @Test
  void aWriteOnlyHandleOpenedAlone_isDirect_andSoIsEveryOpenBesideIt() {
    DirectWrites d = new DirectWrites(true);
    assertThat(d.opened(7, 1, WRITE_ONLY)).isTrue();
    assertThat(d.opened(7, 2, READ_ONLY)).as("a reader beside a direct writer").isTrue();
    assertThat(d.opened(7, 3, WRITE_ONLY)).isTrue();
    d.released(7, 1);
    d.released(7, 3);
    assertThat(d.opened(7, 4, READ_ONLY)).as("the reader opened while a direct writer was open is still open").isTrue();
    d.released(7, 2);
    d.released(7, 4);
    assertThat(d.inodes()).isZero();
    assertThat(d.opened(7, 5, READ_ONLY)).as("no direct handle left").isFalse();
  }

  @Test
  void aWriteOnlyHandle_besideACachingOne_keepsThePageCache() {
    DirectWrites d = new DirectWrites(true);
    assertThat(d.opened(9, 1, READ_ONLY)).isFalse();
    assertThat(d.opened(9, 2, WRITE_ONLY)).as("another handle may hold cached pages").isFalse();
    d.released(9, 1);
    assertThat(d.opened(9, 3, WRITE_ONLY)).as("handle 2 still caches").isFalse();
    d.released(9, 2);
    d.released(9, 3);
    assertThat(d.opened(9, 4, WRITE_ONLY)).isTrue();
    assertThat(d.opened(10, 5, WRITE_ONLY)).as("other inodes are independent").isTrue();
  }

  @Test
  void anOpenAfterTheWritersClose_waitsForItsRelease_andKeepsThePageCache() throws Exception {
    DirectWrites d = new DirectWrites(true, Duration.ofSeconds(30));
    assertThat(d.opened(7, 1, WRITE_ONLY)).isTrue();
    d.flushed(7, 1); // close(2) returned; the kernel sends RELEASE in the background
    CompletableFuture<Boolean> reader = new CompletableFuture<>();
    Thread t = new Thread(() -> reader.complete(d.opened(7, 2, READ_ONLY)));
    t.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> t.getState() == Thread.State.TIMED_WAITING);
    assertThat(reader).isNotDone();
    d.released(7, 1);
    assertThat(reader.get(30, TimeUnit.SECONDS)).as("cached: the writer is gone").isFalse();
  }

  /** An open racing the RELEASE of a closed writer is cached whichever comes first (CI saw it direct once). */
  @Test
  void anOpenRacingAClosedWritersRelease_isNeverDirect() throws Exception {
    DirectWrites d = new DirectWrites(true, Duration.ofSeconds(30));
    ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      for (long i = 0; i < 5_000; i++) {
        long writer = 2 * i + 1;
        long reader = 2 * i + 2;
        assertThat(d.opened(7, writer, WRITE_ONLY)).isTrue();
        d.flushed(7, writer);
        CountDownLatch go = new CountDownLatch(1);
        Future<?> release = two.submit(() -> {
          go.await();
          d.released(7, writer);
          return null;
        });
        Future<Boolean> open = two.submit(() -> {
          go.await();
          return d.opened(7, reader, READ_ONLY);
        });
        go.countDown();
        release.get(30, TimeUnit.SECONDS);
        assertThat(open.get(30, TimeUnit.SECONDS)).as("iteration %d", i).isFalse();
        d.released(7, reader);
      }
    } finally {
      two.shutdownNow();
    }
    assertThat(d.inodes()).isZero();
  }

  @Test
  void aWriterStillOpen_makesAnOpenBesideItDirect_atOnce() {
    DirectWrites d = new DirectWrites(true, Duration.ofSeconds(30));
    assertThat(d.opened(7, 1, WRITE_ONLY)).isTrue();
    assertThat(d.opened(7, 2, READ_ONLY)).isTrue(); // no FLUSH came: no wait
  }

  @Test
  void aFlushedWriterThatStaysOpen_aDuplicatedDescriptor_makesTheOpenDirectAfterTheWait() {
    DirectWrites d = new DirectWrites(true, Duration.ofMillis(20));
    assertThat(d.opened(7, 1, WRITE_ONLY)).isTrue();
    d.flushed(7, 1);
    assertThat(d.opened(7, 2, READ_ONLY)).isTrue();
  }

  @Test
  void disabled_neverDirect() {
    DirectWrites d = new DirectWrites(false);
    assertThat(d.opened(7, 1, WRITE_ONLY)).isFalse();
    d.released(7, 1);
    assertThat(d.inodes()).isZero();
  }
}
