package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.CommitOutcome;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * Small files' uploads in batches ({@link UploadBatches}, {@link Uploader#drainTogether}): on a local blob store and
 * a store with one writer, files closed while the runner waits are put in one thread and committed in one store
 * call; what a batch cannot finish goes to the per-file path, which retries and reports.
 */
@Timeout(60)
class UploadBatchesTest extends WriteBackFixture {
  final HeldTasks drains = new HeldTasks();
  /** The size of each commitContents call. */
  final List<Integer> storeCalls = new CopyOnWriteArrayList<>();
  /** The size each file closed here should have once committed. */
  final Map<OpenFile, Integer> expected = new ConcurrentHashMap<>();
  int created;

  @Override
  ExecutorService drains() {
    return drains;
  }

  /** The in-memory store as a store with one writer (as SQLite is), counting its batched commits. */
  @Override
  MetadataStore meta() {
    return new ForwardingMetadataStore(store) {
      @Override
      public boolean singleWriter() {
        return true;
      }

      @Override
      public List<CommitOutcome> commitContents(List<ContentCommit> commits) {
        storeCalls.add(commits.size());
        return super.commitContents(commits);
      }
    };
  }

  /** An executor that runs nothing until the test runs what it holds. */
  static final class HeldTasks extends AbstractExecutorService {
    final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
    volatile boolean shutdown;

    @Override
    public void execute(Runnable r) {
      if (shutdown) {
        throw new RejectedExecutionException("shut down (test)");
      }
      held.add(r);
    }

    /** Runs what is held, and what that submits, until nothing is left; returns how many ran. */
    int runAll() {
      int n = 0;
      for (Runnable r; (r = held.poll()) != null; n++) {
        r.run();
      }
      return n;
    }

    @Override public void shutdown() { shutdown = true; }
    @Override public List<Runnable> shutdownNow() { shutdown = true; return new ArrayList<>(held); }
    @Override public boolean isShutdown() { return shutdown; }
    @Override public boolean isTerminated() { return shutdown && held.isEmpty(); }
    @Override public boolean awaitTermination(long t, TimeUnit u) { return isTerminated(); }
  }

  /** A new file written with {@code bytes} and closed. */
  OpenFile closedFile(byte[] bytes) throws FsException {
    InodeAttributes a = store.create(InodeId.ROOT, Name.of("f" + created++),
        new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
    OpenFile f = open(a);
    write(f, 0, bytes);
    expected.put(f, bytes.length);
    writeBack.closed(f);
    return f;
  }

  List<OpenFile> smallFiles(int n) throws FsException {
    List<OpenFile> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(closedFile(TestFs.bytes("small file " + created)));
    }
    return out;
  }

  void assertCommitted(List<OpenFile> closed) throws Exception {
    for (OpenFile f : closed) {
      assertThat(f.pendingCount()).isZero();
      assertThat(store.getAttributes(f.id).size()).isEqualTo(expected.get(f).longValue());
    }
    assertThat(journal.entries()).isEmpty();
  }

  @Test
  void smallFilesClosedWhileTheRunnerWaits_arePutInItsThread_andCommittedInOneStoreCall() throws Exception {
    List<OpenFile> closed = smallFiles(10);
    assertThat(drains.held).hasSize(1); // one runner for ten files, not a drain each
    assertThat(journal.entries()).hasSize(10); // close journaled them

    assertThat(drains.runAll()).isEqualTo(1);

    assertThat(storeCalls).containsExactly(10);
    assertThat(blobs.puts.get()).isEqualTo(10);
    assertThat(((java.util.concurrent.ThreadPoolExecutor) puts).getTaskCount()).isZero();
    assertCommitted(closed);
  }

  @Test
  void theRunnerLeavesWhenIdle_andTheNextCloseStartsItAgain() throws Exception {
    smallFiles(2);
    drains.runAll(); // returns: the runner left after its idle rounds
    List<OpenFile> later = smallFiles(3);
    assertThat(drains.held).hasSize(1);
    drains.runAll();
    assertThat(storeCalls).containsExactly(2, 3);
    assertCommitted(later);
  }

  @Test
  void aFileOfSeveralChunks_orOneLargeChunk_takesThePerFilePath() throws Exception {
    closedFile(new byte[CHUNK + 1]);
    OpenFile large = closedFile(new byte[(int) WriteBack.SMALL_BYTES + 1]);
    assertThat(large.pendingCount()).isOne();
    assertThat(drains.held).hasSize(2); // a drain each, no runner
    smallFiles(2);
    assertThat(drains.held).hasSize(3); // and one runner for the small ones
    drains.runAll();
    assertThat(journal.entries()).isEmpty();
    assertThat(storeCalls).contains(2).hasSize(3);
  }

  @Test
  void aFileAnotherDrainHolds_isLeftToItsOwnDrain_andTheOthersCommit() throws Exception {
    List<OpenFile> closed = smallFiles(3);
    OpenFile held = closed.get(1);
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder = new Thread(() -> {
      held.uploadLock.lock(); // as an fsync's drain would
      try {
        locked.countDown();
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        held.uploadLock.unlock();
      }
    });
    holder.start();
    locked.await();

    drains.held.poll().run(); // the runner only
    assertThat(storeCalls).containsExactly(2);
    assertThat(held.pendingCount()).isOne();
    assertThat(drains.held).hasSize(1); // its own drain, which waits for the lock

    release.countDown();
    holder.join();
    drains.runAll();
    assertCommitted(closed);
  }

  @Test
  void failedPuts_goToThePerFilePath_whichSetsARetryTime_andTheRetryCommits() throws Exception {
    blobs.failPuts = true;
    List<OpenFile> closed = smallFiles(3);
    drains.runAll(); // the runner, then each file's own drain: all fail
    assertThat(storeCalls).isEmpty();
    for (OpenFile f : closed) {
      assertThat(f.pendingCount()).isOne();
      assertThat(f.failures).isOne();
    }
    assertThat(journal.entries()).hasSize(3); // still safe from a crash

    blobs.failPuts = false;
    ticker.advance(Duration.ofSeconds(2)); // past the first retry delay
    writeBack.retryDue();
    drains.runAll();
    assertCommitted(closed);
    for (OpenFile f : closed) {
      assertThat(f.failures).isZero();
    }
  }

  @Test
  void aFileClosedTwiceBeforeTheRunnerCame_isCommittedOnce_withItsLastBytes() throws Exception {
    OpenFile f = closedFile(TestFs.bytes("first"));
    write(f, 0, TestFs.bytes("second!"));
    expected.put(f, "second!".length());
    writeBack.closed(f);
    assertThat(f.pendingCount()).isEqualTo(2);
    drains.runAll();
    assertCommitted(List.of(f));
  }

  @Test
  void aRejectingExecutor_leavesTheDataPendingAndJournaled_forTheRetryDaemon() throws Exception {
    drains.shutdown();
    OpenFile f = closedFile(TestFs.bytes("closing"));
    assertThat(f.pendingCount()).isOne();
    assertThat(f.drainQueued.get()).isFalse(); // so the retry daemon may submit it again
    assertThat(journal.entries()).hasSize(1);
  }

  @Test
  void manyThreadsClosingSmallFiles_haveEveryFileCommitted() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    ExecutorService closers = Executors.newFixedThreadPool(4);
    try {
      writeBack = newWriteBack(meta(), pool, puts);
      List<OpenFile> closed = new CopyOnWriteArrayList<>();
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        done.add(closers.submit(() -> {
          for (int i = 0; i < 100; i++) {
            InodeAttributes a = store.create(InodeId.ROOT, Name.of("t" + thread + "-" + i),
                new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
            OpenFile f = open(a);
            byte[] bytes = TestFs.bytes("t" + thread + "-" + i);
            write(f, 0, bytes);
            expected.put(f, bytes.length);
            writeBack.closed(f);
            closed.add(f);
          }
          return null;
        }));
      }
      for (var d : done) {
        d.get();
      }
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
          .until(() -> journal.entries().isEmpty());
      assertThat(closed).hasSize(400);
      assertCommitted(closed);
    } finally {
      pool.shutdownNow();
      closers.shutdownNow();
    }
  }
}
