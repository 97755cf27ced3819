package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * Group commit on SQLite's single writer: concurrent writes share transactions, yet each keeps its own atomicity
 * and answer (a failing write, here EEXIST for a name another thread took, fails alone), and what was answered as
 * done is committed.
 */
class SqliteGroupCommitTest {
  private static final int THREADS = 8;
  private static final int NAMES = 150;
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;

  @Test
  void concurrentWritersShareCommitsAndEachGetsItsOwnAnswer() throws Exception {
    Path file = dir.resolve("metadata.db");
    ConcurrentHashMap<String, InodeAttributes> created = new ConcurrentHashMap<>();
    AtomicInteger exists = new AtomicInteger();
    List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
    InodeId parent;
    try (MetadataStore store = TestBackends.sqlite(file)) {
      store.initRoot(spec(InodeType.DIRECTORY));
      parent = store.create(InodeId.ROOT, Name.of("shared"), spec(InodeType.DIRECTORY)).id();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      try {
        for (int t = 0; t < THREADS; t++) {
          done.add(pool.submit(() -> {
            start.await();
            // Every thread tries every name: exactly one create of each name succeeds, the others get EEXIST.
            for (int n = 0; n < NAMES; n++) {
              String name = "n" + n;
              try {
                InodeAttributes a = store.create(parent, Name.of(name), spec(InodeType.FILE));
                if (created.putIfAbsent(name, a) != null) {
                  unexpected.add(new AssertionError("two creates of " + name + " succeeded"));
                }
              } catch (FsException e) {
                if (e.error() == FsError.EXISTS) {
                  exists.incrementAndGet();
                } else {
                  unexpected.add(e);
                }
              }
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : done) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(unexpected).isEmpty();
      assertThat(created).hasSize(NAMES);
      assertThat(exists.get()).isEqualTo(NAMES * (THREADS - 1));
      assertThat(((SqlMetadataStore) store).transactor().groupedWrites())
          .as("writes committed in groups of two or more").isPositive();
      assertThat(store.getAttributes(parent).size()).isEqualTo(NAMES);
    }
    // Reopened, the store holds exactly what was answered as created.
    try (MetadataStore store = TestBackends.sqlite(file)) {
      assertThat(store.readDir(parent, 0, 10 * NAMES)).hasSize(NAMES);
      for (var e : created.entrySet()) {
        assertThat(store.lookup(parent, Name.of(e.getKey()))).get()
            .satisfies(entry -> assertThat(entry.inode()).isEqualTo(e.getValue().id()));
        assertThat(store.getAttributes(e.getValue().id()).nlink()).isEqualTo(1);
      }
    }
  }

  private static NewInode spec(InodeType type) {
    return new NewInode(type, type == InodeType.DIRECTORY ? 0755 : 0644, 0, 0, 0, T, null);
  }
}
