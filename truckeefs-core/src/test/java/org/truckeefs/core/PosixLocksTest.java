package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.testkit.FakeTicker;

/** flock and fcntl locks over the local coordinator, and the commit/revalidate steps around them. */
class PosixLocksTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final InodeAttributes FILE =
      new InodeAttributes(InodeId.of(5), InodeType.FILE, 0644, 1000, 1000, 0, 1, 0, T, T, T, T, 1);

  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final LocalCoordinator coordinator = new LocalCoordinator(
      new BackendContext("locks-test-" + System.nanoTime(), Path.of("unused"), Clock.systemUTC(), new FakeTicker(),
          scheduler));
  final List<String> steps = new CopyOnWriteArrayList<>();
  final PosixLocks locks = new PosixLocks(coordinator, new PosixLocks.Coherence() {
    @Override
    public void commit(OpenFile f) {
      steps.add("commit");
    }

    @Override
    public void revalidate(OpenFile f) {
      steps.add("revalidate");
    }
  });
  final OpenFile file = new OpenFile(FILE, List.of(), 64 * 1024, null, Clock.systemUTC());

  @AfterEach
  void close() throws Exception {
    coordinator.close();
    scheduler.shutdownNow();
  }

  FileHandle handle() {
    return new FileHandle(file, FILE.id(), OpenFlags.READ_WRITE, Caller.of(1000, 1000));
  }

  static LockRange write(long start, long end) {
    return new LockRange(LockRange.Type.WRITE, start, end, 0);
  }

  static void assertError(FsError e, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, x -> assertThat(x.error()).isEqualTo(e));
  }

  @Test
  void flock_isExclusiveBetweenOwners_andRevalidatesWhenGranted() throws Exception {
    FileHandle a = handle();
    FileHandle b = handle();
    locks.flock(a, 1, LockRange.Type.WRITE, false);
    assertThat(steps).containsExactly("revalidate");
    assertThatThrownBy(() -> locks.flock(b, 2, LockRange.Type.WRITE, false)).isInstanceOf(FsException.class);
    locks.flock(a, 1, LockRange.Type.UNLOCK, false);
    locks.flock(b, 2, LockRange.Type.WRITE, false);
  }

  @Test
  void unlocking_commitsThisHostsWritesFirst() throws Exception {
    FileHandle a = handle();
    locks.setlk(a, 1, write(0, 10), false);
    steps.clear();
    locks.setlk(a, 1, new LockRange(LockRange.Type.UNLOCK, 0, 10, 0), false);
    assertThat(steps).containsExactly("commit");
  }

  @Test
  void getlk_namesAnotherOwnersConflictingRange() throws Exception {
    FileHandle a = handle();
    locks.setlk(a, 1, write(0, 10), false);
    LockRange conflict = locks.getlk(a, 2, write(5, 6));
    assertThat(conflict).isNotNull();
    assertThat(conflict.start()).isEqualTo(0);
    assertThat(locks.getlk(a, 1, write(5, 6))).isNull();
    assertThat(locks.getlk(a, 2, write(20, 30))).isNull();
  }

  @Test
  void anyCloseByTheOwner_releasesItsRecordLocks() throws Exception {
    FileHandle a = handle();
    FileHandle other = handle();
    locks.setlk(a, 1, write(0, 10), false);
    locks.closedBy(other, 1); // another descriptor of the same process: POSIX drops the locks as well
    assertThat(locks.getlk(a, 2, write(0, 10))).isNull();
  }

  @Test
  void aCloseByAnOwnerThatNeverLocked_costsNothing() throws Exception {
    FileHandle a = handle();
    locks.closedBy(a, 42);
    assertThat(steps).isEmpty();
  }

  @Test
  void theLastCloseOfAHandle_dropsItsFlockAndRecordLocks() throws Exception {
    FileHandle a = handle();
    locks.flock(a, 1, LockRange.Type.WRITE, false);
    locks.setlk(a, 7, write(0, 10), false);
    locks.released(a);
    assertThat(a.flockOwners).isEmpty();
    assertThat(a.fcntlOwners).isEmpty();
    locks.flock(handle(), 2, LockRange.Type.WRITE, false);
    assertThat(locks.getlk(a, 8, write(0, 10))).isNull();
  }

  @Test
  void aDirectoryHandle_locksWithoutCommitOrRevalidate() throws Exception {
    FileHandle dir = new FileHandle(null, InodeId.of(9), OpenFlags.READ, Caller.ROOT);
    locks.flock(dir, 1, LockRange.Type.READ, false);
    locks.flock(dir, 1, LockRange.Type.UNLOCK, false);
    assertThat(steps).isEmpty();
  }
}
