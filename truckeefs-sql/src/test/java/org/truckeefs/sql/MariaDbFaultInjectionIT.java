package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * Faults on the real MariaDB: the pool's connections are killed while a workload runs, and many threads rename
 * within and between two directories at once. Nothing may be lost or duplicated and the link invariants hold.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MariaDbFaultInjectionIT {
  private static final Instant T = Instant.parse("2024-01-01T00:00:00Z");
  private String database;
  private MetadataStore store;

  @BeforeEach
  void open() throws Exception {
    database = TestBackends.createMariaDbDatabase();
    store = TestBackends.mariaDb(database);
    store.initRoot(dir());
  }

  @AfterEach
  void close() throws Exception {
    if (store != null) {
      store.close();
    }
    TestBackends.dropMariaDbDatabase(database);
  }

  private static NewInode dir() {
    return new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null);
  }

  private static NewInode file() {
    return new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null);
  }

  /** Kills every connection to the test database except the killer's own; returns how many. */
  private int killPoolConnections(Connection admin) throws Exception {
    List<Long> ids = new ArrayList<>();
    try (PreparedStatement ps = admin.prepareStatement(
        "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
      }
    }
    int killed = 0;
    for (long id : ids) {
      try (Statement st = admin.createStatement()) {
        st.execute("KILL CONNECTION " + id);
        killed++;
      } catch (java.sql.SQLException gone) {
        // it ended by itself in between
      }
    }
    return killed;
  }

  @Test
  void killingThePoolsConnectionsMidWorkload_losesAndDuplicatesNothing() throws Exception {
    InodeId work = store.create(InodeId.ROOT, Name.of("work"), dir()).id();
    int threads = 4;
    int perThread = 150;
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger kills = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      Future<?> killer = pool.submit(() -> {
        try (Connection admin = TestBackends.adminConnection()) {
          while (!done.get()) {
            kills.addAndGet(killPoolConnections(admin));
            Thread.sleep(40); // the fault injector's pace (a kill round every 40 ms), not a wait for a condition
          }
        }
        return null;
      });
      List<Future<Void>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        workers.add(pool.submit(() -> {
          InodeId mine = store.create(work, Name.of("t" + me), dir()).id();
          for (int i = 0; i < perThread; i++) {
            store.create(mine, Name.of("f" + i), file());
            if (i % 3 == 2) {
              store.rename(mine, Name.of("f" + (i - 1)), mine, Name.of("r" + (i - 1)), RenameFlags.NOREPLACE, T);
            }
            if (i % 5 == 4) {
              int k = i - 4;
              store.unlink(mine, Name.of((k % 3 == 1 ? "r" : "f") + k), false, T);
            }
          }
          return null;
        }));
      }
      for (Future<Void> w : workers) {
        w.get(150, TimeUnit.SECONDS);
      }
      done.set(true);
      killer.get(30, TimeUnit.SECONDS);
    } finally {
      done.set(true);
      pool.shutdownNow();
    }
    assertThat(kills.get()).as("connections killed during the workload").isPositive();
    for (int t = 0; t < threads; t++) {
      InodeId mine = store.lookup(work, Name.of("t" + t)).orElseThrow().inode();
      Set<String> expected = new HashSet<>();
      for (int i = 0; i < perThread; i++) {
        expected.add((i % 3 == 1 && i + 1 < perThread ? "r" : "f") + i);
      }
      for (int i = 0; i + 4 < perThread; i += 5) {
        expected.remove("f" + i);
        expected.remove("r" + i);
      }
      List<String> names = listNames(mine);
      assertThat(names).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
      assertThat(store.getAttributes(mine).size()).isEqualTo(expected.size());
    }
  }

  @Test
  void renameStormOnOneDirectory_losesAndDuplicatesNothing() throws Exception {
    InodeId a = store.create(InodeId.ROOT, Name.of("a"), dir()).id();
    InodeId b = store.create(InodeId.ROOT, Name.of("b"), dir()).id();
    InodeId[] dirs = {a, a, a, b};
    int files = 40;
    int slots = 80;
    Set<InodeId> made = new HashSet<>();
    for (int i = 0; i < files; i++) {
      made.add(store.create(a, Name.of("s" + i), i % 8 == 0 ? dir() : file()).id());
    }
    int threads = 8;
    AtomicInteger moved = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long seed = t;
        all.add(pool.submit(() -> {
          Random rnd = new Random(seed);
          for (int i = 0; i < 250; i++) {
            InodeId from = dirs[rnd.nextInt(dirs.length)];
            InodeId to = dirs[rnd.nextInt(dirs.length)];
            RenameFlags flags = rnd.nextInt(3) == 0 ? RenameFlags.EXCHANGE : RenameFlags.NOREPLACE;
            try {
              store.rename(from, Name.of("s" + rnd.nextInt(slots)), to, Name.of("s" + rnd.nextInt(slots)), flags, T);
              moved.incrementAndGet();
            } catch (FsException e) {
              assertThat(e.error()).isIn(FsError.NOT_FOUND, FsError.EXISTS);
            }
          }
          return null;
        }));
      }
      for (Future<Void> f : all) {
        f.get(150, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(moved.get()).isGreaterThan(100);
    List<DirEntry> entries = new ArrayList<>(list(a));
    entries.addAll(list(b));
    assertThat(entries.stream().map(DirEntry::inode).toList()).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(made);
    for (InodeId d : List.of(a, b)) {
      List<DirEntry> in = list(d);
      long subdirs = in.stream().filter(e -> e.type() == InodeType.DIRECTORY).count();
      assertThat(store.getAttributes(d).size()).isEqualTo(in.size());
      assertThat(store.getAttributes(d).nlink()).isEqualTo(2 + subdirs);
      for (DirEntry e : in) {
        assertThat(store.getAttributes(e.inode()).type()).isEqualTo(e.type());
        if (e.type() == InodeType.DIRECTORY) {
          assertThat(store.parentOf(e.inode())).isEqualTo(d);
          assertThat(store.getAttributes(e.inode()).nlink()).isEqualTo(2);
        } else {
          assertThat(store.getAttributes(e.inode()).nlink()).isEqualTo(1);
        }
      }
    }
    assertThat(store.getAttributes(InodeId.ROOT).nlink()).isEqualTo(4);
  }

  private List<DirEntry> list(InodeId d) throws FsException {
    List<DirEntry> out = new ArrayList<>();
    long cookie = 0;
    for (List<DirEntry> p = store.readDir(d, cookie, 500); !p.isEmpty(); p = store.readDir(d, cookie, 500)) {
      out.addAll(p);
      cookie = p.get(p.size() - 1).cookie();
    }
    return out;
  }

  private List<String> listNames(InodeId d) throws FsException {
    return list(d).stream().map(e -> e.name().toString()).toList();
  }
}
