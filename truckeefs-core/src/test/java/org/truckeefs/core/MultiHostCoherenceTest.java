package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.truckeefs.core.TestFs.ROOT;
import static org.truckeefs.core.TestFs.bytes;
import static org.truckeefs.core.TestFs.createFile;
import static org.truckeefs.core.TestFs.lookup;
import static org.truckeefs.core.TestFs.n;
import static org.truckeefs.core.TestFs.read;
import static org.truckeefs.core.TestFs.write;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.SetAttr;
import org.truckeefs.testkit.BlockingCall;

/**
 * Several RiverFS "hosts" in one JVM (separate cache directories, one metadata store, one blob directory, one
 * {@code local://} coordinator space): POSIX locks across hosts, close-to-open coherence, byte-exact conflict
 * rebasing, unlink while open elsewhere, and per-host upload journals.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MultiHostCoherenceTest {
  @TempDir Path tmp;
  private TestFs t;
  private final String space = "mh-" + UUID.randomUUID();
  private final List<RiverFS> hosts = new ArrayList<>();
  private RiverFS a;
  private RiverFS b;

  @BeforeEach
  void setUp() throws Exception {
    t = TestFs.local(tmp);
    a = host("a");
    b = host("b");
  }

  @AfterEach
  void tearDown() {
    for (RiverFS fs : hosts) {
      try {
        fs.close();
      } catch (FsException ignored) {
        // a test may have closed it
      }
    }
  }

  private RiverFS host(String name) throws FsException {
    RiverFS fs = t.host(name, space);
    hosts.add(fs);
    return fs;
  }

  private static long open(RiverFS fs, String name, OpenFlags flags) throws FsException {
    return fs.open(ROOT, lookup(fs, name).id(), flags).handle();
  }

  private static String text(RiverFS fs, long h) throws FsException {
    return new String(read(fs, h, 0, 1 << 16), StandardCharsets.UTF_8);
  }

  private static String readAll(RiverFS fs, String name) throws FsException {
    long h = open(fs, name, OpenFlags.READ);
    try {
      return text(fs, h);
    } finally {
      fs.release(h);
    }
  }

  private void committedFile(String name, String content) throws FsException {
    long h = createFile(a, name);
    write(a, h, 0, bytes(content));
    a.fsync(h, false);
    a.release(h);
  }

  private static FsError errorOf(ThrowingRunnable r) {
    try {
      r.run();
    } catch (FsException e) {
      return e.error();
    }
    return null;
  }

  interface ThrowingRunnable {
    void run() throws FsException;
  }

  // ---- close-to-open

  /**
   * A host that opens a file again uses the chunk map it remembered only while the file is at that version: what
   * another host committed meanwhile is what it reads.
   */
  @Test
  void reopeningAFile_afterAnotherHostCommitted_readsTheNewContent() throws Exception {
    committedFile("f", "first version");
    assertThat(readAll(b, "f")).isEqualTo("first version");
    assertThat(b.status().openFiles()).as("b remembers the map of the first version").isZero();
    long h = open(a, "f", OpenFlags.WRITE);
    write(a, h, 0, bytes("SECOND"));
    a.fsync(h, false);
    a.release(h);
    assertThat(readAll(b, "f")).isEqualTo("SECONDversion");
    assertThat(readAll(b, "f")).as("again, from the map of the second version").isEqualTo("SECONDversion");
  }

  // ---- locks

  @Test
  void flock_excludesAcrossHosts_andGoesWithTheLastCloseOfItsHandle() throws Exception {
    committedFile("f", "x");
    long ha = open(a, "f", OpenFlags.READ_WRITE);
    long hb = open(b, "f", OpenFlags.READ_WRITE);
    a.flock(ha, 1, LockRange.Type.WRITE, false);
    assertThat(errorOf(() -> b.flock(hb, 2, LockRange.Type.READ, false))).isEqualTo(FsError.AGAIN);
    a.release(ha);
    b.flock(hb, 2, LockRange.Type.WRITE, false);
    b.flock(hb, 2, LockRange.Type.UNLOCK, false);
    b.release(hb);
  }

  @Test
  void flockAndFcntlLocks_doNotInteract() throws Exception {
    committedFile("f", "x");
    long ha = open(a, "f", OpenFlags.READ_WRITE);
    long hb = open(b, "f", OpenFlags.READ_WRITE);
    a.flock(ha, 1, LockRange.Type.WRITE, false);
    b.setlk(hb, 2, new LockRange(LockRange.Type.WRITE, 0, Long.MAX_VALUE, 2), false);
    a.release(ha);
    b.release(hb);
  }

  @Test
  void fcntlLocks_excludeAcrossHosts_andGoWithAnyCloseByTheirOwner() throws Exception {
    committedFile("f", "x");
    long ha = open(a, "f", OpenFlags.READ_WRITE);
    long ha2 = open(a, "f", OpenFlags.READ);
    long hb = open(b, "f", OpenFlags.READ_WRITE);
    a.setlk(ha, 7, new LockRange(LockRange.Type.WRITE, 0, 99, 4242), false);
    assertThat(errorOf(() -> b.setlk(hb, 9, new LockRange(LockRange.Type.READ, 50, 60, 77), false)))
        .isEqualTo(FsError.AGAIN);
    assertThat(b.getlk(hb, 9, new LockRange(LockRange.Type.READ, 10, 10, 77)).pid()).isEqualTo(4242);
    b.setlk(hb, 9, new LockRange(LockRange.Type.WRITE, 100, 199, 77), false);

    a.flush(ha2, 8); // another process closing its descriptor: owner 7 keeps its locks
    assertThat(errorOf(() -> b.setlk(hb, 9, new LockRange(LockRange.Type.WRITE, 0, 0, 77), false)))
        .isEqualTo(FsError.AGAIN);
    a.flush(ha2, 7); // owner 7 closes any descriptor of the file: all its record locks go
    b.setlk(hb, 9, new LockRange(LockRange.Type.WRITE, 0, 99, 77), false);
    assertThat(a.getlk(ha, 7, new LockRange(LockRange.Type.READ, 0, 0, 1)).pid()).isEqualTo(77);
    b.release(hb);
    assertThat(a.getlk(ha, 7, new LockRange(LockRange.Type.WRITE, 0, 500, 1))).isNull();
    a.release(ha);
    a.release(ha2);
  }

  @Test
  void blockingLock_waitsUntilTheOtherHostUnlocks() throws Exception {
    committedFile("f", "x");
    long ha = open(a, "f", OpenFlags.READ_WRITE);
    long hb = open(b, "f", OpenFlags.READ_WRITE);
    a.flock(ha, 1, LockRange.Type.WRITE, false);
    BlockingCall blocking = new BlockingCall();
    CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
      try {
        blocking.call(() -> {
          b.flock(hb, 2, LockRange.Type.WRITE, true);
          return null;
        });
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    blocking.awaitBlocked();
    assertThat(waiter).isNotDone();
    a.flock(ha, 1, LockRange.Type.UNLOCK, false);
    waiter.get(10, TimeUnit.SECONDS);
    a.release(ha);
    b.release(hb);
  }

  // ---- close-to-open

  @Test
  void unlockCommits_andLockRevalidates_soTheNextHolderSeesTheWrites() throws Exception {
    committedFile("log", "");
    long ha = open(a, "log", OpenFlags.of(OpenFlags.O_RDWR | OpenFlags.O_APPEND));
    long hb = open(b, "log", OpenFlags.of(OpenFlags.O_RDWR | OpenFlags.O_APPEND));
    InodeId id = lookup(a, "log").id();
    for (int i = 0; i < 5; i++) {
      a.flock(ha, 1, LockRange.Type.WRITE, true);
      write(a, ha, 0, bytes("a" + i + ";"));
      a.flock(ha, 1, LockRange.Type.UNLOCK, false);
      assertThat(t.meta.getAttributes(id).size()).isEqualTo(6L * i + 3); // committed when the lock went
      b.flock(hb, 2, LockRange.Type.WRITE, true);
      write(b, hb, 0, bytes("b" + i + ";"));
      b.flock(hb, 2, LockRange.Type.UNLOCK, false);
    }
    assertThat(text(a, ha)).isEqualTo("a0;b0;a1;b1;a2;b2;a3;b3;a4;"); // no lock, no open: A's view may be old
    a.flock(ha, 1, LockRange.Type.READ, true); // a shared lock revalidates too
    assertThat(text(a, ha)).isEqualTo("a0;b0;a1;b1;a2;b2;a3;b3;a4;b4;");
    a.release(ha);
    b.release(hb);
  }

  @Test
  void open_revalidatesEvenWhileThisHostHasTheFileOpen() throws Exception {
    committedFile("f", "old");
    long held = open(b, "f", OpenFlags.READ);
    assertThat(text(b, held)).isEqualTo("old");
    OpenResult unchanged = b.open(ROOT, lookup(b, "f").id(), OpenFlags.READ);
    assertThat(unchanged.keepCache()).isTrue();
    b.release(unchanged.handle());

    long w = open(a, "f", OpenFlags.of(OpenFlags.O_WRONLY | OpenFlags.O_TRUNC));
    write(a, w, 0, bytes("brand new"));
    a.release(w); // close without fsync: the upload is in the background
    a.syncAll();
    OpenResult again = b.open(ROOT, lookup(b, "f").id(), OpenFlags.READ);
    assertThat(again.keepCache()).isFalse();
    assertThat(again.attributes().size()).isEqualTo(9);
    assertThat(text(b, again.handle())).isEqualTo("brand new");
    assertThat(text(b, held)).isEqualTo("brand new");
    b.release(again.handle());
    b.release(held);
  }

  // ---- conflicts

  @Test
  void concurrentWritersInOneChunk_eachKeepTheBytesTheyWrote() throws Exception {
    committedFile("f", "aaaaaaaaaa");
    long ha = open(a, "f", OpenFlags.READ_WRITE);
    long hb = open(b, "f", OpenFlags.READ_WRITE);
    write(a, ha, 0, bytes("XX"));
    write(b, hb, 6, bytes("YY"));
    a.fsync(ha, false);
    b.fsync(hb, false); // its base version is stale: rebased onto A's commit, not laid over it
    assertThat(readAll(a, "f")).isEqualTo("XXaaaaYYaa");
    assertThat(readAll(b, "f")).isEqualTo("XXaaaaYYaa");
    a.release(ha);
    b.release(hb);
  }

  @Test
  void conflict_lengthIsTheLongerOfBoth_unlessThisHostTruncated() throws Exception {
    committedFile("f", "0123456789");
    long ha = open(a, "f", OpenFlags.READ_WRITE);
    long hb = open(b, "f", OpenFlags.READ_WRITE);
    write(a, ha, 10, bytes("ABCDEFGHIJ")); // A grows the file to 20
    a.fsync(ha, false);
    write(b, hb, 2, bytes("z")); // B still sees 10 bytes
    b.fsync(hb, false);
    assertThat(readAll(a, "f")).isEqualTo("01z3456789ABCDEFGHIJ");

    write(a, ha, 15, bytes("!!"));
    a.fsync(ha, false);
    b.setattr(ROOT, lookup(b, "f").id(), SetAttr.truncate(5), hb); // B's view predates A's "!!"
    write(b, hb, 1, bytes("Q"));
    b.fsync(hb, false);
    assertThat(readAll(a, "f")).isEqualTo("0Qz34");
    a.release(ha);
    b.release(hb);
  }

  @Test
  void conflictAcrossChunks_onlyTheWrittenChunksAreRebased() throws Exception {
    byte[] base = TestFs.pattern(3 * TestFs.CHUNK, 1);
    long h = createFile(a, "big");
    write(a, h, 0, base);
    a.fsync(h, false);
    long hb = open(b, "big", OpenFlags.READ_WRITE);
    write(a, h, TestFs.CHUNK + 10, bytes("AAAA"));
    a.fsync(h, false);
    write(b, hb, TestFs.CHUNK + 20, bytes("BBBB"));
    write(b, hb, 2L * TestFs.CHUNK + 5, bytes("CC"));
    b.fsync(hb, false);
    byte[] expect = base.clone();
    System.arraycopy(bytes("AAAA"), 0, expect, TestFs.CHUNK + 10, 4);
    System.arraycopy(bytes("BBBB"), 0, expect, TestFs.CHUNK + 20, 4);
    System.arraycopy(bytes("CC"), 0, expect, 2 * TestFs.CHUNK + 5, 2);
    long r = open(a, "big", OpenFlags.READ);
    assertThat(read(a, r, 0, expect.length)).isEqualTo(expect);
    a.release(r);
    a.release(h);
    b.release(hb);
  }

  // ---- unlink while open elsewhere

  @Test
  void unlinkOnOneHost_whileOpenOnAnother_keepsTheDataUntilTheLastCloseThere() throws Exception {
    committedFile("doomed", "still here");
    InodeId id = lookup(a, "doomed").id();
    long hb = open(b, "doomed", OpenFlags.READ);
    a.unlink(ROOT, InodeId.ROOT, n("doomed"));
    // b's cached entry goes with a's change message, which a sends gathered with others (ChangeFeed.GATHER)
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
        .until(() -> errorOf(() -> lookup(b, "doomed")) == FsError.NOT_FOUND);
    assertThat(t.meta.getAttributes(id).nlink()).isZero(); // an orphan, not purged
    assertThat(text(b, hb)).isEqualTo("still here");
    b.release(hb);
    assertThat(errorOf(() -> t.meta.getAttributes(id))).isEqualTo(FsError.NOT_FOUND);
  }

  @Test
  void startingHost_purgesOnlyTheOrphansNoLiveHostHasOpen() throws Exception {
    committedFile("open", "1");
    committedFile("crashed", "2");
    InodeId open = lookup(a, "open").id();
    InodeId crashed = lookup(a, "crashed").id();
    long hb = open(b, "open", OpenFlags.READ);
    a.unlink(ROOT, InodeId.ROOT, n("open"));
    // a host that crashed between unlink and purge leaves an orphan nobody has open
    t.meta.unlink(InodeId.ROOT, n("crashed"), false, Clock.systemUTC().instant());
    host("c");
    assertThat(errorOf(() -> t.meta.getAttributes(crashed))).isEqualTo(FsError.NOT_FOUND);
    assertThat(t.meta.getAttributes(open).nlink()).isZero();
    assertThat(text(b, hb)).isEqualTo("1");
    b.release(hb);
    assertThat(errorOf(() -> t.meta.getAttributes(open))).isEqualTo(FsError.NOT_FOUND);
  }

  // ---- upload journal per host

  @Test
  void journalEntries_areResumedOnlyByTheHostThatWroteThem() throws Exception {
    ControlledBlobStore gated = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    gated.putGate = new Semaphore(0);
    TestFs crashy = new TestFs(tmp, t.meta, gated);
    RiverFS x = crashy.host("x", space);
    long h = createFile(x, "pending");
    write(x, h, 0, bytes("journaled"));
    x.release(h); // durable in x's cache and journal; the upload is stuck
    String xHost = x.hostId();
    assertThat(x.journaledUploads()).isEqualTo(1);
    // x crashes (dropped without close); other hosts start and run: they never upload x's entry
    x.releaseDataDirAsIfCrashed();
    RiverFS other = host("y");
    other.syncAll();
    b.syncAll();
    assertThat(x.journaledUploads()).isEqualTo(1);
    assertThat(other.journaledUploads()).isZero();

    ControlledBlobStore counting = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    RiverFS xAgain = new TestFs(tmp, t.meta, counting).host("x", space);
    hosts.add(xAgain);
    try {
      assertThat(xAgain.hostId()).isEqualTo(xHost);
      xAgain.syncAll();
      assertThat(xAgain.journaledUploads()).isZero();
      assertThat(counting.puts.get()).isEqualTo(1);
      assertThat(readAll(a, "pending")).isEqualTo("journaled");
    } finally {
      gated.failPuts = true; // the crashed instance's blocked upload fails instead of hanging
      gated.putGate.release(100);
    }
  }

  // ---- small leftovers

  @Test
  void emptySetattr_changesNothing_notEvenCtime() throws Exception {
    committedFile("f", "x");
    InodeAttributes before = lookup(a, "f");
    // A change would stamp the clock's time: wait until that differs from before's ctime even at millisecond precision.
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
        .until(() -> Clock.systemUTC().instant().isAfter(before.ctime().plusMillis(1)));
    InodeAttributes after = a.setattr(ROOT, before.id(), SetAttr.NONE, -1);
    assertThat(after.ctime()).isEqualTo(before.ctime());
    assertThat(t.meta.getAttributes(before.id()).ctime()).isEqualTo(before.ctime());
  }
}
