package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitOutcome;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.NewInode;

/**
 * Concurrent uploads' commits gathered into one store call: those queued while a batch runs go together in the next,
 * each thread gets its own commit's answer, and a store failure fails that batch's commits alone.
 */
class CommitBatchesTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final int FILES = 9;

  final InMemoryMetadataStore memory = new InMemoryMetadataStore(Clock.systemUTC());
  final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
  final CountDownLatch firstCallMayGo = new CountDownLatch(1);
  final AtomicBoolean failNext = new AtomicBoolean();
  final List<InodeAttributes> files = new ArrayList<>();
  final ExecutorService threads = Executors.newCachedThreadPool();

  /** Records each call's size; the first call waits for the test, so that the others queue meanwhile. */
  final ForwardingMetadataStore store = new ForwardingMetadataStore(memory) {
    @Override
    public List<CommitOutcome> commitContents(List<ContentCommit> commits) {
      batchSizes.add(commits.size());
      if (batchSizes.size() == 1) {
        try {
          firstCallMayGo.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (failNext.getAndSet(false)) {
        throw new IllegalStateException("the store broke");
      }
      return super.commitContents(commits);
    }
  };
  final CommitBatches batches = new CommitBatches(store);

  @BeforeEach
  void files() throws FsException {
    InodeAttributes root = memory.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
    for (int i = 0; i < FILES; i++) {
      files.add(memory.create(root.id(), Name.of("f" + i), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null)));
    }
  }

  @AfterEach
  void stop() {
    firstCallMayGo.countDown();
    threads.shutdownNow();
  }

  ContentCommit commitOf(int i, long version) {
    InodeAttributes f = files.get(i);
    return new ContentCommit(f.id(), version, 100 + i, List.of(new ChunkRef(0, BlobRef.of("b" + i), 100 + i)),
        Long.MAX_VALUE, T, 0);
  }

  Future<CommitResult> commitInAThread(ContentCommit c) {
    return threads.submit(() -> batches.commit(c));
  }

  /** Waits until {@code n} threads of the pool wait for their turn (parked in CommitBatches). */
  void awaitWaiting(int n) {
    await().atMost(Duration.ofSeconds(30)).until(() -> Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getState() == Thread.State.WAITING)
        .filter(e -> List.of(e.getValue()).stream()
            .anyMatch(f -> f.getClassName().equals(CommitBatches.class.getName()) && f.getMethodName().equals("commit")))
        .count() >= n);
  }

  @Test
  void commitsQueuedWhileABatchRuns_goTogetherInTheNext_andEachThreadGetsItsOwnAnswer() throws Exception {
    Future<CommitResult> first = commitInAThread(commitOf(0, files.get(0).version()));
    await().atMost(Duration.ofSeconds(30)).until(() -> batchSizes.size() == 1);
    List<Future<CommitResult>> others = new ArrayList<>();
    for (int i = 1; i < FILES; i++) {
      long version = i == 5 ? files.get(i).version() + 3 : files.get(i).version(); // the sixth is stale
      others.add(commitInAThread(commitOf(i, version)));
    }
    awaitWaiting(FILES - 1);
    firstCallMayGo.countDown();

    assertThat(first.get(30, TimeUnit.SECONDS).attributes().id()).isEqualTo(files.get(0).id());
    for (int i = 1; i < FILES; i++) {
      Future<CommitResult> f = others.get(i - 1);
      if (i == 5) {
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(FsException.class,
            e -> assertThat(e.error()).isEqualTo(FsError.STALE));
      } else {
        InodeAttributes a = f.get(30, TimeUnit.SECONDS).attributes();
        assertThat(a.id()).isEqualTo(files.get(i).id());
        assertThat(a.size()).isEqualTo(100 + i);
        assertThat(a.version()).isEqualTo(files.get(i).version() + 1);
      }
    }
    assertThat(batchSizes).containsExactly(1, FILES - 1);
    assertThat(memory.getAttributes(files.get(5).id()).version()).isEqualTo(files.get(5).version());
  }

  /** An interrupted waiter still gets its answer once the batch that holds its commit ends, and keeps its interrupt. */
  @Test
  void anInterruptedWaiter_getsItsAnswer_andKeepsItsInterrupt() throws Exception {
    Future<CommitResult> first = commitInAThread(commitOf(0, files.get(0).version()));
    await().atMost(Duration.ofSeconds(30)).until(() -> batchSizes.size() == 1);
    AtomicBoolean interruptKept = new AtomicBoolean();
    Thread[] waiter = new Thread[1];
    Future<CommitResult> second = threads.submit(() -> {
      waiter[0] = Thread.currentThread();
      CommitResult r = batches.commit(commitOf(1, files.get(1).version()));
      interruptKept.set(Thread.currentThread().isInterrupted());
      return r;
    });
    awaitWaiting(1);
    waiter[0].interrupt();
    firstCallMayGo.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).attributes().id()).isEqualTo(files.get(0).id());
    assertThat(second.get(30, TimeUnit.SECONDS).attributes().id()).isEqualTo(files.get(1).id());
    assertThat(interruptKept).isTrue();
  }

  @Test
  void aStoreThatThrows_failsThatBatchsCommitsWithEIO_andTheNextCommitGoesThrough() throws Exception {
    firstCallMayGo.countDown();
    failNext.set(true);
    assertThatThrownBy(() -> batches.commit(commitOf(0, files.get(0).version())))
        .isInstanceOfSatisfying(FsException.class, e -> {
          assertThat(e.error()).isEqualTo(FsError.IO);
          assertThat(e.getMessage()).contains("the store broke");
        });
    assertThat(batches.commit(commitOf(0, files.get(0).version())).attributes().version())
        .isEqualTo(files.get(0).version() + 1);
    assertThat(batchSizes).containsExactly(1, 1);
  }

  /** Many threads, many rounds: every commit is answered (none waits forever for a turn nobody gives it). */
  @Test
  void underContention_everyCommitIsAnsweredOnce() throws Exception {
    firstCallMayGo.countDown();
    int rounds = 200;
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < FILES; i++) {
      int file = i;
      all.add(threads.submit(() -> {
        for (int r = 0; r < rounds; r++) {
          batches.commit(commitOf(file, files.get(file).version() + r));
        }
        return null;
      }));
    }
    for (Future<?> f : all) {
      f.get(60, TimeUnit.SECONDS);
    }
    for (int i = 0; i < FILES; i++) {
      assertThat(memory.getAttributes(files.get(i).id()).version()).isEqualTo(files.get(i).version() + rounds);
    }
    assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(FILES * rounds);
  }
}
