package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Lease;

/**
 * The behaviour every {@link Coordinator} must have. A backend supplies {@link #newCoordinator}: each call is one
 * more "host" on the given namespace (filesystem id). Every test gets a namespace of its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class AbstractCoordinatorContractTest {
  /** How long a test waits for something that must not happen. */
  protected static final Duration SHORT = Duration.ofMillis(150);
  /** How long a test waits for something that must happen. */
  protected static final Duration LONG = Duration.ofSeconds(10);
  /** The semaphore timeout ({@code redis_semaphore_timeout}) the expiry tests configure. */
  protected static final Duration PERMIT_TIMEOUT = Duration.ofSeconds(1);

  private final List<Coordinator> created = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  protected String namespace;

  /** A new coordinator ("host") on {@code namespace} with extra settings ({@code redis_semaphore_timeout}, ...). */
  protected abstract Coordinator newCoordinator(String namespace, Map<String, String> settings) throws Exception;

  /** Lets {@code d} pass on the coordinators' clock: a fake ticker advances; a real server is waited for. */
  protected abstract void advance(Duration d) throws Exception;

  /** Kills a coordinator the way a crashed host dies: nothing released. By default, a close. */
  protected void kill(Coordinator c) throws Exception {
    c.close();
  }

  /** After a kill, how long until its locks, permits and session are gone (zero when a kill is a close). */
  protected Duration deathTimeout() {
    return Duration.ZERO;
  }

  @BeforeEach
  void newNamespace() {
    namespace = "contract-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void closeAll() throws Exception {
    threads.shutdownNow();
    for (Coordinator c : created) {
      try {
        c.close();
      } catch (Exception ignored) {
        // a killed coordinator may refuse a second close; nothing more to release
      }
    }
  }

  protected final Coordinator host() throws Exception {
    return host(Map.of());
  }

  protected final Coordinator host(Map<String, String> settings) throws Exception {
    Coordinator c = newCoordinator(namespace, settings);
    created.add(c);
    return c;
  }

  private <T> Future<T> inThread(java.util.concurrent.Callable<T> task) {
    return threads.submit(task);
  }

  private static void assertFails(FsError error, ThrowingRunnable r) {
    assertThatThrownBy(r::run).isInstanceOf(FsException.class)
        .satisfies(e -> assertThat(((FsException) e).error()).isEqualTo(error));
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Nested
  class ReadWriteLocks {
    @Test
    void writeLock_excludesAnotherWriter() throws Exception {
      Coordinator c = host();
      try (Lease l = c.writeLock("inode:1", SHORT)) {
        assertThat(l.isValid()).isTrue();
        Future<?> other = inThread(() -> c.writeLock("inode:1", SHORT));
        assertThatThrownBy(other::get).hasCauseInstanceOf(FsException.class)
            .cause().satisfies(e -> assertThat(((FsException) e).error()).isEqualTo(FsError.TIMED_OUT));
      }
    }

    @Test
    void readLocks_areShared_andExcludeWriters() throws Exception {
      Coordinator c = host();
      Lease r1 = c.readLock("inode:2", SHORT);
      Lease r2 = inThread(() -> c.readLock("inode:2", SHORT)).get();
      assertThat(r1.isValid() && r2.isValid()).isTrue();
      assertFails(FsError.TIMED_OUT, () -> inThreadRethrow(() -> c.writeLock("inode:2", SHORT)));
      r1.close();
      r2.close();
      try (Lease w = c.writeLock("inode:2", SHORT)) {
        assertFails(FsError.TIMED_OUT, () -> inThreadRethrow(() -> c.readLock("inode:2", SHORT)));
        assertThat(w.isValid()).isTrue();
      }
    }

    @Test
    void differentKeys_doNotInterfere() throws Exception {
      Coordinator c = host();
      try (Lease a = c.writeLock("inode:3", SHORT); Lease b = inThread(() -> c.writeLock("inode:4", SHORT)).get()) {
        assertThat(a.isValid() && b.isValid()).isTrue();
      }
    }

    @Test
    void lease_closedByAnotherThread_releasesTheLock() throws Exception {
      Coordinator c = host();
      Lease w = c.writeLock("inode:5", SHORT);
      inThread(() -> {
        w.close();
        return null;
      }).get();
      assertThat(w.isValid()).isFalse();
      w.close(); // a second close is harmless
      try (Lease again = inThread(() -> c.writeLock("inode:5", SHORT)).get()) {
        assertThat(again.isValid()).isTrue();
      }
    }

    @Test
    void waitingWriter_getsTheLock_whenTheHolderReleases() throws Exception {
      Coordinator c = host();
      Lease held = c.writeLock("inode:6", SHORT);
      BlockingCall blocking = new BlockingCall();
      Future<Lease> waiter = inThread(() -> blocking.call(() -> c.writeLock("inode:6", LONG)));
      blocking.awaitBlocked();
      assertThat(waiter.isDone()).isFalse();
      held.close();
      try (Lease got = waiter.get(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
        assertThat(got.isValid()).isTrue();
      }
    }

    @Test
    void writeLock_excludesAcrossHosts_onOneNamespace() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      try (Lease l = a.writeLock("inode:7", SHORT)) {
        assertFails(FsError.TIMED_OUT, () -> b.writeLock("inode:7", SHORT));
        assertFails(FsError.TIMED_OUT, () -> b.readLock("inode:7", SHORT));
      }
      try (Lease l = b.writeLock("inode:7", SHORT)) {
        assertThat(l.isValid()).isTrue();
      }
    }

    @Test
    void namespaces_areIndependent() throws Exception {
      Coordinator a = host();
      Coordinator other = newCoordinator(namespace + "-other", Map.of());
      created.add(other);
      try (Lease l = a.writeLock("inode:8", SHORT); Lease m = other.writeLock("inode:8", SHORT)) {
        assertThat(l.isValid() && m.isValid()).isTrue();
      }
    }

    @Test
    void killedHolder_lockExpires_andAnotherHostProceeds() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      a.writeLock("inode:9", SHORT);
      kill(a);
      try (Lease l = b.writeLock("inode:9", deathTimeout().plus(LONG))) {
        assertThat(l.isValid()).isTrue();
      }
    }
  }

  private static <T> T inThreadRethrow(java.util.concurrent.Callable<T> task) throws Exception {
    try {
      return CompletableFuture.supplyAsync(() -> {
        try {
          return task.call();
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      }).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Nested
  class Semaphores {
    @Test
    void permits_areBounded_andComeBackWhenReleased() throws Exception {
      Coordinator c = host();
      Lease p1 = c.acquirePermit("uploads", 2, SHORT);
      Lease p2 = c.acquirePermit("uploads", 2, SHORT);
      assertFails(FsError.TIMED_OUT, () -> c.acquirePermit("uploads", 2, SHORT));
      p1.close();
      try (Lease p3 = c.acquirePermit("uploads", 2, SHORT)) {
        assertThat(p3.isValid()).isTrue();
      }
      p2.close();
    }

    @Test
    void permits_areShared_acrossHosts() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      try (Lease p = a.acquirePermit("downloads", 1, SHORT)) {
        assertFails(FsError.TIMED_OUT, () -> b.acquirePermit("downloads", 1, SHORT));
      }
      try (Lease p = b.acquirePermit("downloads", 1, SHORT)) {
        assertThat(p.isValid()).isTrue();
      }
    }

    @Test
    void waiter_getsAPermit_whenOneIsReleased() throws Exception {
      Coordinator c = host();
      Lease p = c.acquirePermit("one", 1, SHORT);
      BlockingCall blocking = new BlockingCall();
      Future<Lease> waiter = inThread(() -> blocking.call(() -> c.acquirePermit("one", 1, LONG)));
      blocking.awaitBlocked();
      assertThat(waiter.isDone()).isFalse();
      p.close();
      try (Lease got = waiter.get(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
        assertThat(got.isValid()).isTrue();
      }
    }

    @Test
    void permitNotReturned_expiresAfterTheSemaphoreTimeout() throws Exception {
      Coordinator c = host(Map.of("redis_semaphore_timeout", PERMIT_TIMEOUT.toMillis() + "ms"));
      Lease forgotten = c.acquirePermit("expiring", 1, SHORT);
      assertFails(FsError.TIMED_OUT, () -> c.acquirePermit("expiring", 1, SHORT));
      advance(PERMIT_TIMEOUT.plusMillis(300));
      assertThat(forgotten.isValid()).isFalse();
      try (Lease p = c.acquirePermit("expiring", 1, LONG)) {
        assertThat(p.isValid()).isTrue();
        forgotten.close(); // closing an expired permit must not free someone else's
        assertFails(FsError.TIMED_OUT, () -> c.acquirePermit("expiring", 1, SHORT));
      }
    }

    @Test
    void killedHost_permitsComeBack() throws Exception {
      Coordinator a = host(Map.of("redis_semaphore_timeout", PERMIT_TIMEOUT.toMillis() + "ms"));
      Coordinator b = host(Map.of("redis_semaphore_timeout", PERMIT_TIMEOUT.toMillis() + "ms"));
      a.acquirePermit("crash", 1, SHORT);
      kill(a);
      advance(PERMIT_TIMEOUT.plusMillis(300));
      try (Lease p = b.acquirePermit("crash", 1, LONG)) {
        assertThat(p.isValid()).isTrue();
      }
    }
  }

  @Nested
  class EphemeralMap {
    /** The seed's ephemeral key-value test: put, get, overwrite, remove, expire. */
    @Test
    void put_get_overwrite_remove_expire() throws Exception {
      Coordinator c = host();
      assertThat(c.getEphemeral("k")).isEmpty();
      c.putEphemeral("k", "v1", Duration.ofSeconds(30));
      assertThat(c.getEphemeral("k")).contains("v1");
      c.putEphemeral("k", "v2", Duration.ofSeconds(30));
      assertThat(c.getEphemeral("k")).contains("v2");
      c.removeEphemeral("k");
      assertThat(c.getEphemeral("k")).isEmpty();
      c.removeEphemeral("k"); // removing a missing key is harmless

      c.putEphemeral("short", "x", Duration.ofMillis(500));
      c.putEphemeral("long", "y", Duration.ofSeconds(60));
      advance(Duration.ofMillis(700));
      assertThat(c.getEphemeral("short")).isEmpty();
      assertThat(c.getEphemeral("long")).contains("y");
    }

    @Test
    void values_areVisibleToOtherHosts_butNotOtherNamespaces() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      Coordinator other = newCoordinator(namespace + "-other", Map.of());
      created.add(other);
      a.putEphemeral("shared", "hello wörld", Duration.ofSeconds(30));
      assertThat(b.getEphemeral("shared")).contains("hello wörld");
      assertThat(other.getEphemeral("shared")).isEmpty();
    }

    @Test
    void aPutWithoutWait_isSeenByThisHostsNextCall_andReachesTheOthers() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      a.putEphemeralNoWait("fresh", "mark", Duration.ofSeconds(30));
      assertThat(a.getEphemeral("fresh")).contains("mark");
      Awaitility.await("the put reaches another host").atMost(LONG)
          .until(() -> b.getEphemeral("fresh").isPresent());
      assertThat(b.getEphemeral("fresh")).contains("mark");
    }

    /** An open mark put at a create and removed at its close: the removal never lands before the put. */
    @Test
    void aRemoveRightAfterAPutWithoutWait_leavesNoKey_everyTime() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      for (int i = 0; i < 300; i++) {
        a.putEphemeralNoWait("k" + i, "v", Duration.ofSeconds(30));
        a.removeEphemeral("k" + i);
      }
      for (int i = 0; i < 300; i++) {
        assertThat(a.getEphemeral("k" + i)).as("key %d", i).isEmpty(); // once this host's removal landed
        assertThat(b.getEphemeral("k" + i)).as("key %d, another host", i).isEmpty();
      }
    }

    @Test
    void reset_clearsThisNamespaceOnly() throws Exception {
      Coordinator a = host();
      Coordinator other = newCoordinator(namespace + "-other", Map.of());
      created.add(other);
      a.putEphemeral("stale", "1", Duration.ofSeconds(30));
      other.putEphemeral("stale", "2", Duration.ofSeconds(30));
      a.reset();
      assertThat(a.getEphemeral("stale")).isEmpty();
      assertThat(other.getEphemeral("stale")).contains("2");
    }
  }

  @Nested
  class Messages {
    private final class Inbox implements org.truckeefs.spi.MessageListener {
      final java.util.concurrent.LinkedBlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();

      @Override
      public void onMessage(byte[] message) {
        got.add(new String(message, java.nio.charset.StandardCharsets.UTF_8));
      }

      String next() throws InterruptedException {
        return got.poll(LONG.toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    private byte[] bytes(String s) {
      return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void published_reachesEveryHost_inOrder_includingThePublisher() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      Inbox atA = new Inbox();
      Inbox atB = new Inbox();
      a.subscribe(atA);
      b.subscribe(atB);
      for (int i = 0; i < 20; i++) {
        a.publish(bytes("m" + i));
      }
      for (int i = 0; i < 20; i++) {
        assertThat(atB.next()).isEqualTo("m" + i);
        assertThat(atA.next()).isEqualTo("m" + i);
      }
    }

    @Test
    void otherNamespaces_doNotHearIt() throws Exception {
      Coordinator a = host();
      Coordinator other = newCoordinator(namespace + "-other", Map.of());
      created.add(other);
      Inbox mine = new Inbox();
      Inbox theirs = new Inbox();
      a.subscribe(mine);
      other.subscribe(theirs);
      a.publish(bytes("private"));
      other.publish(bytes("marker"));
      assertThat(mine.next()).isEqualTo("private");
      // messages of one namespace arrive in order, so once "marker" is here "private" would have been too
      assertThat(theirs.next()).isEqualTo("marker");
      assertThat(theirs.got).isEmpty();
    }

    @Test
    void closedSubscription_hearsNothingMore() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      Inbox gone = new Inbox();
      Inbox stays = new Inbox();
      org.truckeefs.api.Subscription s = b.subscribe(gone);
      b.subscribe(stays);
      a.publish(bytes("one"));
      assertThat(gone.next()).isEqualTo("one");
      assertThat(stays.next()).isEqualTo("one");
      s.close();
      s.close(); // twice is harmless
      a.publish(bytes("two"));
      assertThat(stays.next()).isEqualTo("two");
      assertThat(gone.got).isEmpty();
    }
  }

  @Nested
  class Sessions {
    @Test
    void eachHost_hasASession_seenByTheOthers() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      assertThat(a.sessionId()).isNotBlank().isNotEqualTo(b.sessionId());
      assertThat(a.liveSessions()).contains(a.sessionId(), b.sessionId());
      assertThat(b.liveSessions()).contains(a.sessionId(), b.sessionId());
    }

    @Test
    void closedHost_leavesTheRegistry() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      String gone = b.sessionId();
      b.close();
      assertThat(a.liveSessions()).contains(a.sessionId()).doesNotContain(gone);
    }

    /**
     * {@code heldByOtherSession}: another live host's key is seen, this host's own is not, nor a key whose name only
     * starts alike, nor the key of a host that has gone (its session left, though its key may outlive it).
     */
    @Test
    void heldByOtherSession_seesTheKeysOfOtherLiveHostsOnly() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      Coordinator c = host();
      assertThat(a.heldByOtherSession("open:9:")).isFalse();
      a.putEphemeral("open:9:" + a.sessionId(), "a", Duration.ofSeconds(30));
      assertThat(a.heldByOtherSession("open:9:")).as("its own key").isFalse();
      assertThat(b.heldByOtherSession("open:9:")).as("another host's key").isTrue();
      assertThat(c.heldByOtherSession("open:9:")).as("another host's key, a third host").isTrue();
      c.putEphemeral("open:8:" + c.sessionId(), "c", Duration.ofSeconds(30));
      assertThat(a.heldByOtherSession("open:8:")).isTrue();
      assertThat(a.heldByOtherSession("open:80:")).as("a key that only starts alike").isFalse();
      assertThat(a.heldByOtherSession("open:8")).as("a prefix that does not end the same").isFalse();
      c.close();
      assertThat(a.heldByOtherSession("open:8:")).as("the key of a host that has gone").isFalse();
      assertThat(b.heldByOtherSession("open:9:")).as("a's key, a still live").isTrue();
    }

    @Test
    void killedHost_sessionExpires() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      String gone = b.sessionId();
      kill(b);
      Awaitility.await("the killed host's session expires").atMost(deathTimeout().plus(LONG))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(() -> assertThat(a.liveSessions()).contains(a.sessionId()).doesNotContain(gone));
    }
  }

  @Nested
  class PosixLocks {
    private LockRange write(long start, long end, long pid) {
      return new LockRange(LockRange.Type.WRITE, start, end, pid);
    }

    private LockRange read(long start, long end, long pid) {
      return new LockRange(LockRange.Type.READ, start, end, pid);
    }

    private LockRange unlock(long start, long end) {
      return new LockRange(LockRange.Type.UNLOCK, start, end, 0);
    }

    @Test
    void conflictingOwner_getsEagain_andGetlkReportsTheHolderPid() throws Exception {
      Coordinator c = host();
      c.setPosixLock("f", 1, write(0, 99, 101), Duration.ZERO);
      assertFails(FsError.AGAIN, () -> c.setPosixLock("f", 2, write(50, 60, 102), Duration.ZERO));
      Optional<LockRange> conflict = c.findPosixConflict("f", 2, read(10, 10, 102));
      assertThat(conflict).hasValueSatisfying(r -> {
        assertThat(r.type()).isEqualTo(LockRange.Type.WRITE);
        assertThat(r.start()).isEqualTo(0);
        assertThat(r.end()).isEqualTo(99);
        assertThat(r.pid()).isEqualTo(101);
      });
      assertThat(c.findPosixConflict("f", 1, write(0, 99, 101))).isEmpty(); // own locks never conflict
      assertThat(c.findPosixConflict("f", 2, write(100, 200, 102))).isEmpty();
    }

    @Test
    void unlockInTheMiddle_splitsTheRange() throws Exception {
      Coordinator c = host();
      c.setPosixLock("f", 1, write(0, 99, 1), Duration.ZERO);
      c.setPosixLock("f", 1, unlock(40, 59), Duration.ZERO);
      c.setPosixLock("f", 2, write(40, 59, 2), Duration.ZERO);
      assertFails(FsError.AGAIN, () -> c.setPosixLock("f", 2, write(39, 39, 2), Duration.ZERO));
      assertFails(FsError.AGAIN, () -> c.setPosixLock("f", 2, write(60, 60, 2), Duration.ZERO));
      assertThat(c.findPosixConflict("f", 3, read(0, Long.MAX_VALUE, 3)))
          .hasValueSatisfying(r -> assertThat(r.end()).isEqualTo(39));
    }

    @Test
    void adjacentRanges_merge_andUnlockOfTheWholeReleasesBoth() throws Exception {
      Coordinator c = host();
      c.setPosixLock("f", 1, write(0, 9, 1), Duration.ZERO);
      c.setPosixLock("f", 1, write(10, 19, 1), Duration.ZERO);
      assertThat(c.findPosixConflict("f", 2, read(5, 15, 2)))
          .hasValueSatisfying(r -> assertThat(List.of(r.start(), r.end())).containsExactly(0L, 19L));
      c.setPosixLock("f", 1, unlock(0, 19), Duration.ZERO);
      assertThat(c.findPosixConflict("f", 2, write(0, Long.MAX_VALUE, 2))).isEmpty();
    }

    @Test
    void readLocks_areShared_andUpgradeWaitsForTheOtherReader() throws Exception {
      Coordinator c = host();
      c.setPosixLock("f", 1, read(0, 99, 1), Duration.ZERO);
      c.setPosixLock("f", 2, read(50, 149, 2), Duration.ZERO);
      assertFails(FsError.AGAIN, () -> c.setPosixLock("f", 1, write(0, 99, 1), Duration.ZERO));
      c.setPosixLock("f", 1, write(0, 49, 1), Duration.ZERO); // upgrade the part nobody else reads
      c.setPosixLock("f", 2, unlock(0, Long.MAX_VALUE), Duration.ZERO);
      c.setPosixLock("f", 1, write(0, 99, 1), Duration.ZERO);
      c.setPosixLock("f", 1, read(0, 99, 1), Duration.ZERO); // downgrade lets readers in
      c.setPosixLock("f", 2, read(0, 99, 2), Duration.ZERO);
      assertFails(FsError.AGAIN, () -> c.setPosixLock("f", 3, write(99, 99, 3), Duration.ZERO));
    }

    @Test
    void blockingLock_wakesUpWhenTheHolderReleases() throws Exception {
      Coordinator c = host();
      c.setPosixLock("f", 1, write(0, Long.MAX_VALUE, 1), Duration.ZERO);
      BlockingCall blocking = new BlockingCall();
      Future<?> waiter = inThread(() -> blocking.call(() -> {
        c.setPosixLock("f", 2, write(0, Long.MAX_VALUE, 2), LONG);
        return null;
      }));
      blocking.awaitBlocked();
      assertThat(waiter.isDone()).isFalse();
      c.releasePosixLocks("f", 1);
      waiter.get(LONG.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(c.findPosixConflict("f", 1, read(0, 0, 1)))
          .hasValueSatisfying(r -> assertThat(r.pid()).isEqualTo(2));
    }

    @Test
    void blockingLock_timesOut() throws Exception {
      Coordinator c = host();
      c.setPosixLock("f", 1, write(0, 0, 1), Duration.ZERO);
      assertFails(FsError.TIMED_OUT, () -> c.setPosixLock("f", 2, write(0, 0, 2), SHORT));
    }

    @Test
    void locks_excludeAcrossHosts_andKeysAreIndependent() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      a.setPosixLock("f", 1, write(0, 9, 11), Duration.ZERO);
      assertFails(FsError.AGAIN, () -> b.setPosixLock("f", 1, write(5, 5, 21), Duration.ZERO));
      assertThat(b.findPosixConflict("f", 1, read(0, 0, 21))).hasValueSatisfying(r -> assertThat(r.pid()).isEqualTo(11));
      b.setPosixLock("g", 1, write(0, 9, 21), Duration.ZERO);
      a.releasePosixLocks("f", 1);
      b.setPosixLock("f", 1, write(5, 5, 21), Duration.ZERO);
    }

    @Test
    void deadHost_locksAreReleased() throws Exception {
      Coordinator a = host();
      Coordinator b = host();
      a.setPosixLock("f", 7, write(0, Long.MAX_VALUE, 1), Duration.ZERO);
      kill(a);
      b.setPosixLock("f", 7, write(0, Long.MAX_VALUE, 2), deathTimeout().plus(LONG));
      assertThat(b.findPosixConflict("f", 8, read(0, 0, 3))).hasValueSatisfying(r -> assertThat(r.pid()).isEqualTo(2));
    }

    @Test
    void badRange_isInvalid() throws Exception {
      Coordinator c = host();
      assertFails(FsError.INVALID, () -> c.setPosixLock("f", 1, write(10, 5, 1), Duration.ZERO));
    }
  }
}
