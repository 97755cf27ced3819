package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.truckeefs.redis.MultiHostHarness.ROOT;
import static org.truckeefs.redis.MultiHostHarness.closeDurably;
import static org.truckeefs.redis.MultiHostHarness.create;
import static org.truckeefs.redis.MultiHostHarness.open;
import static org.truckeefs.redis.MultiHostHarness.read;
import static org.truckeefs.redis.MultiHostHarness.readAll;
import static org.truckeefs.redis.MultiHostHarness.write;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.core.RiverFS;
import org.truckeefs.spi.Lease;
import org.truckeefs.testkit.RequiredService;

/**
 * Two RiverFS hosts on the machine's Redis (one fresh namespace per test), sharing one metadata store and one blob
 * directory, each with its own cache directory: locks, close-to-open, conflicts, unlink while open, dead hosts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MultiHostIT {
  @TempDir Path dir;
  private MultiHostHarness net;

  @BeforeEach
  void needRedis() throws Exception {
    RequiredService.requireRedis();
    RequiredService.requireMariaDb();
    net = new MultiHostHarness(dir, 6379, Map.of());
  }

  @AfterEach
  void closeAll() throws Exception {
    if (net != null) {
      net.close();
    }
  }

  private static FsError errorOf(Runnable r) {
    try {
      r.run();
    } catch (Wrapped w) {
      return w.error;
    }
    return null;
  }

  private static final class Wrapped extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final FsError error;

    Wrapped(FsException e) {
      this.error = e.error();
    }
  }

  private interface FsRunnable {
    void run() throws FsException;
  }

  private static Runnable fs(FsRunnable r) {
    return () -> {
      try {
        r.run();
      } catch (FsException e) {
        throw new Wrapped(e);
      }
    };
  }

  @Test
  void closeToOpen_writerClosesThenReaderOpens_seesTheNewData() throws Exception {
    RiverFS a = net.host("a");
    RiverFS b = net.host("b");
    long h = create(a, "note");
    write(a, h, 0, "first");
    closeDurably(a, h);
    assertThat(readAll(b, "note")).isEqualTo("first");

    long held = open(b, "note", OpenFlags.O_RDONLY); // b keeps the file open meanwhile
    long h2 = open(a, "note", OpenFlags.O_WRONLY | OpenFlags.O_TRUNC);
    write(a, h2, 0, "second version");
    closeDurably(a, h2);
    assertThat(readAll(b, "note")).isEqualTo("second version");
    assertThat(read(b, held)).isEqualTo("second version");
    b.release(held);
  }

  @Test
  void appendsUnderFlock_fromTwoHosts_giveEveryRecordIntact() throws Exception {
    RiverFS a = net.host("a");
    RiverFS b = net.host("b");
    closeDurably(a, create(a, "log"));
    int perHost = 1000;
    var pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Object>> done = new ArrayList<>();
      for (RiverFS fs : List.of(a, b)) {
        String tag = fs == a ? "A" : "B";
        done.add(pool.submit(() -> {
          long h = open(fs, "log", OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
          for (int i = 0; i < perHost; i++) {
            fs.flock(h, 1000 + h, LockRange.Type.WRITE, true); // revalidates: this host sees the other's records
            write(fs, h, 0, String.format("%s%06d\n", tag, i));
            fs.flock(h, 1000 + h, LockRange.Type.UNLOCK, false); // commits before the lock goes
          }
          fs.release(h);
          return null;
        }));
      }
      for (Future<Object> f : done) {
        f.get(110, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    String[] records = readAll(a, "log").split("\n");
    assertThat(records).hasSize(2 * perHost);
    assertThat(records).allMatch(r -> r.matches("[AB]\\d{6}"));
    assertThat(Arrays.stream(records).distinct().count()).isEqualTo(2L * perHost);
    assertThat(readAll(b, "log")).isEqualTo(String.join("\n", records) + "\n");
  }

  @Test
  void fcntlRangeLocks_excludeAcrossHosts_andGoWithTheOwnersClose() throws Exception {
    RiverFS a = net.host("a");
    RiverFS b = net.host("b");
    closeDurably(a, create(a, "db"));
    long ha = open(a, "db", OpenFlags.O_RDWR);
    long hb = open(b, "db", OpenFlags.O_RDWR);
    a.setlk(ha, 1, new LockRange(LockRange.Type.WRITE, 0, 99, 4242), false);
    assertThat(errorOf(fs(() -> b.setlk(hb, 1, new LockRange(LockRange.Type.WRITE, 50, 60, 77), false))))
        .isEqualTo(FsError.AGAIN);
    assertThat(b.getlk(hb, 1, new LockRange(LockRange.Type.READ, 10, 10, 77)).pid()).isEqualTo(4242);
    b.setlk(hb, 1, new LockRange(LockRange.Type.WRITE, 100, 199, 77), false); // disjoint ranges coexist
    b.setlk(hb, 1, new LockRange(LockRange.Type.READ, 300, 399, 77), false);
    a.setlk(ha, 1, new LockRange(LockRange.Type.READ, 300, 399, 4242), false); // shared with shared
    a.flush(ha, 1); // any close by the owner releases its record locks
    b.setlk(hb, 1, new LockRange(LockRange.Type.WRITE, 0, 99, 77), false);
    b.release(hb);
    a.setlk(ha, 1, new LockRange(LockRange.Type.WRITE, 0, Long.MAX_VALUE, 4242), false);
    a.release(ha);
  }

  @Test
  void sameChunkWritesFromTwoHosts_neitherClobbersTheOther() throws Exception {
    RiverFS a = net.host("a");
    RiverFS b = net.host("b");
    long h = create(a, "shared");
    write(a, h, 0, "..........");
    closeDurably(a, h);
    long ha = open(a, "shared", OpenFlags.O_RDWR);
    long hb = open(b, "shared", OpenFlags.O_RDWR);
    write(a, ha, 0, "AAA");
    write(b, hb, 7, "BBB");
    a.fsync(ha, false);
    b.fsync(hb, false); // stale base: rebased byte-exactly onto a's commit
    assertThat(readAll(a, "shared")).isEqualTo("AAA....BBB");
    a.release(ha);
    b.release(hb);
  }

  private static boolean stillVisible(RiverFS fs, String name) {
    try {
      fs.lookup(ROOT, InodeId.ROOT, Name.of(name));
      return true;
    } catch (FsException e) {
      assertThat(e.error()).isEqualTo(FsError.NOT_FOUND);
      return false;
    }
  }

  @Test
  void unlinkOnOneHost_whileOpenOnTheOther_staysReadableUntilClosedThere() throws Exception {
    RiverFS a = net.host("a");
    RiverFS b = net.host("b");
    long h = create(a, "doomed");
    write(a, h, 0, "still here");
    closeDurably(a, h);
    InodeId id = a.lookup(ROOT, InodeId.ROOT, Name.of("doomed")).id();
    long hb = open(b, "doomed", OpenFlags.O_RDONLY);
    a.unlink(ROOT, InodeId.ROOT, Name.of("doomed"));
    // b cached the name when it opened the file: a's change event (or at worst metadata_cache_ttl) clears it
    await("the unlink is seen on b within the cache's staleness bound").atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10)).until(() -> !stillVisible(b, "doomed"));
    assertThat(net.meta.getAttributes(id).nlink()).isZero(); // an orphan: its chunks are still referenced
    assertThat(net.meta.chunks(id)).isNotEmpty();
    assertThat(read(b, hb)).isEqualTo("still here");
    b.release(hb); // the last closer anywhere purges it
    assertThatThrownBy(() -> net.meta.getAttributes(id))
        .satisfies(e -> assertThat(((FsException) e).error()).isEqualTo(FsError.NOT_FOUND));
  }

  @Test
  void killedHost_itsLocksLeasesAndOpenMarksExpire_andTheOtherProceeds() throws Exception {
    RiverFS a = net.host("a");
    RiverFS b = net.host("b");
    long h = create(a, "locked");
    write(a, h, 0, "v1");
    closeDurably(a, h);
    InodeId id = a.lookup(ROOT, InodeId.ROOT, Name.of("locked")).id();
    long ha = open(a, "locked", OpenFlags.O_RDWR);
    a.flock(ha, 1, LockRange.Type.WRITE, false);
    a.setlk(ha, 1, new LockRange(LockRange.Type.WRITE, 0, Long.MAX_VALUE, 1), false);
    Lease commitLease = net.coordinator(a).writeLock("commit:" + id.value(), Duration.ZERO); // dies mid-commit
    long hb = open(b, "locked", OpenFlags.O_RDWR);
    assertThat(errorOf(fs(() -> b.flock(hb, 2, LockRange.Type.WRITE, false)))).isEqualTo(FsError.AGAIN);

    net.kill(a); // no release of anything: its session lapses after redis_session_ttl (1.5 s)
    b.flock(hb, 2, LockRange.Type.WRITE, true);
    b.setlk(hb, 2, new LockRange(LockRange.Type.WRITE, 0, Long.MAX_VALUE, 2), true);
    write(b, hb, 0, "v2");
    b.fsync(hb, false); // needs the commit lease the dead host held
    assertThat(readAll(b, "locked")).isEqualTo("v2");
    // the dead host's open mark no longer protects the file: unlink purges at once
    b.release(hb);
    b.unlink(ROOT, InodeId.ROOT, Name.of("locked"));
    assertThatThrownBy(() -> net.meta.getAttributes(id))
        .satisfies(e -> assertThat(((FsException) e).error()).isEqualTo(FsError.NOT_FOUND));
    assertThat(commitLease.isValid()).isFalse();
  }
}
