package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.RenameFlags;

/**
 * Operations racing on one store from many threads: one winner per name, renames that lose and duplicate nothing,
 * and crossed directory renames that never build a cycle.
 */
abstract class ConcurrencyContract extends MetadataStoreContract {
  private <T> List<Future<T>> runAll(int threads, List<Callable<T>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      return pool.invokeAll(tasks, 100, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void parallelCreatesOfOneName_exactlyOneWins() throws Exception {
    int threads = 8;
    for (int round = 0; round < 10; round++) {
      String name = "race" + round;
      CountDownLatch start = new CountDownLatch(1);
      List<Callable<FsError>> tasks = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        boolean dir = i % 2 == 0;
        tasks.add(() -> {
          start.await();
          try {
            store.create(work, n(name), dir ? dirSpec(T0) : fileSpec(T0));
            return null;
          } catch (FsException e) {
            return e.error();
          }
        });
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<FsError>> results = new ArrayList<>();
      try {
        for (Callable<FsError> t : tasks) {
          results.add(pool.submit(t));
        }
        start.countDown();
        int wins = 0;
        for (Future<FsError> r : results) {
          FsError e = r.get(100, TimeUnit.SECONDS);
          if (e == null) {
            wins++;
          } else {
            assertThat(e).isEqualTo(FsError.EXISTS);
          }
        }
        assertThat(wins).as("round %d", round).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    }
    assertThat(names(work)).hasSize(10);
    assertDirectoryConsistent(work);
  }

  @Test
  void parallelRenames_loseAndDuplicateNothing_andKeepLinkCounts() throws Exception {
    InodeId a = mkdir(work, "a").id();
    InodeId b = mkdir(work, "b").id();
    InodeId[] dirs = {a, b};
    int files = 20;
    Set<InodeId> inodes = new HashSet<>();
    for (int i = 0; i < files; i++) {
      inodes.add(touch(i % 2 == 0 ? a : b, "f" + i).id());
    }
    for (int i = 0; i < 4; i++) {
      mkdir(i % 2 == 0 ? a : b, "d" + i);
    }
    AtomicInteger renamed = new AtomicInteger();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      long seed = t;
      tasks.add(() -> {
        Random rnd = new Random(seed);
        for (int i = 0; i < 40; i++) {
          InodeId from = dirs[rnd.nextInt(2)];
          InodeId to = dirs[rnd.nextInt(2)];
          boolean dir = rnd.nextInt(5) == 0;
          String src = dir ? "d" + rnd.nextInt(4) : "f" + rnd.nextInt(files);
          RenameFlags flags = rnd.nextInt(4) == 0 ? RenameFlags.EXCHANGE : RenameFlags.NOREPLACE;
          String dst = flags == RenameFlags.EXCHANGE
              ? (dir ? "d" + rnd.nextInt(4) : "f" + rnd.nextInt(files)) : src;
          try {
            store.rename(from, n(src), to, n(dst), flags, later());
            renamed.incrementAndGet();
          } catch (FsException e) {
            assertThat(e.error()).isIn(FsError.NOT_FOUND, FsError.EXISTS);
          }
        }
        return null;
      });
    }
    for (Future<Void> f : runAll(6, tasks)) {
      f.get();
    }
    assertThat(renamed.get()).isPositive();
    List<DirEntry> all = new ArrayList<>(list(a));
    all.addAll(list(b));
    assertThat(all).hasSize(files + 4);
    assertThat(all.stream().filter(e -> e.type() == InodeType.FILE).map(DirEntry::inode).toList())
        .containsExactlyInAnyOrderElementsOf(inodes);
    for (InodeId f : inodes) {
      assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
    }
    assertDirectoryConsistent(a);
    assertDirectoryConsistent(b);
    assertDirectoryConsistent(work);
  }

  @Test
  void crossedDirectoryRenames_neverBuildACycle() throws Exception {
    for (int round = 0; round < 10; round++) {
      InodeId top = mkdir(work, "top" + round).id();
      InodeId x = mkdir(top, "x").id();
      InodeId y = mkdir(top, "y").id();
      InodeId xs = mkdir(x, "sub").id();
      InodeId ys = mkdir(y, "sub").id();
      CountDownLatch start = new CountDownLatch(1);
      List<Callable<FsError>> tasks = List.of(
          () -> {
            start.await();
            try {
              store.rename(top, n("x"), ys, n("x"), RenameFlags.NONE, later());
              return null;
            } catch (FsException e) {
              return e.error();
            }
          },
          () -> {
            start.await();
            try {
              store.rename(top, n("y"), xs, n("y"), RenameFlags.NONE, later());
              return null;
            } catch (FsException e) {
              return e.error();
            }
          });
      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Future<FsError>> results = new ArrayList<>();
      try {
        for (Callable<FsError> t : tasks) {
          results.add(pool.submit(t));
        }
        start.countDown();
        int ok = 0;
        for (Future<FsError> r : results) {
          FsError e = r.get(100, TimeUnit.SECONDS);
          if (e == null) {
            ok++;
          } else {
            assertThat(e).isIn(FsError.INVALID, FsError.NOT_FOUND);
          }
        }
        assertThat(ok).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
      for (InodeId d : List.of(x, y, xs, ys)) {
        assertReachesRoot(d);
      }
      assertDirectoryConsistent(top);
    }
  }

  private void assertReachesRoot(InodeId dir) throws FsException {
    InodeId at = dir;
    for (int i = 0; i < 100; i++) {
      if (at.equals(InodeId.ROOT)) {
        return;
      }
      InodeId here = at;
      InodeId up = store.parentOf(here);
      Optional<DirEntry> named = list(up).stream().filter(e -> e.inode().equals(here)).findFirst();
      assertThat(named).as("%s is listed in its parent %s", here, up).isPresent();
      at = up;
    }
    throw new AssertionError(dir + " does not reach the root: a cycle");
  }
}
