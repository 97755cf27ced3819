package org.truckeefs.testkit.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;

/**
 * Many threads on one filesystem: readers and writers of different files and of the same file, creates and
 * renames in one directory, racing mkdir/rmdir and exclusive creates. Every test has a timeout (a deadlock fails
 * it), writers write whole self-checking records (a reader that sees part of one has seen a torn write), and the
 * final state is compared with what the threads' own logs say it must be.
 */
public abstract class AbstractConcurrencySuite extends FileSystemSuiteSupport {
  /** Bytes per record; records sit at multiples of this, so one never crosses a chunk boundary. */
  protected static final int RECORD = 4096;

  protected int threads() {
    return 8;
  }

  /** Operations per thread in each test; keep the whole suite within a few seconds on the in-memory backend. */
  protected int iterations() {
    return 150;
  }

  // ---- records

  /** A record: writer id, sequence number, payload derived from both, CRC32 of all that. */
  static byte[] record(int writer, long seq) {
    ByteBuffer b = ByteBuffer.allocate(RECORD);
    b.putInt(writer + 1).putLong(seq);
    byte[] payload = new byte[RECORD - 4 - 8 - 8];
    new Random(writer * 1_000_003L + seq).nextBytes(payload);
    b.put(payload);
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, RECORD - 8);
    b.putLong(crc.getValue());
    return b.array();
  }

  /** The (writer, seq) of a whole record, null for a never-written (all zero) block; fails on a torn block. */
  static long[] check(byte[] block, String where) {
    assertThat(block.length).as("length of %s", where).isEqualTo(RECORD);
    boolean zero = true;
    for (byte x : block) {
      if (x != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(block);
    CRC32 crc = new CRC32();
    crc.update(block, 0, RECORD - 8);
    if (b.getLong(RECORD - 8) != crc.getValue()) {
      throw new AssertionError("torn record at " + where + ": checksum does not match");
    }
    return new long[] {b.getInt(0) - 1, b.getLong(4)};
  }

  // ---- harness

  @FunctionalInterface
  protected interface Worker {
    void run(int thread) throws Exception;
  }

  /** Starts {@code n} workers together and waits for all; the first failure fails the test. */
  protected void runConcurrently(int n, Worker worker) throws Exception {
    CyclicBarrier start = new CyclicBarrier(n);
    CountDownLatch done = new CountDownLatch(n);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int id = i;
      Thread t = new Thread(() -> {
        try {
          start.await();
          worker.run(id);
        } catch (Throwable e) {
          failure.compareAndSet(null, new AssertionError("worker " + id + ": " + e, e));
        } finally {
          done.countDown();
        }
      }, "suite-worker-" + i);
      t.setDaemon(true);
      ts.add(t);
      t.start();
    }
    if (!done.await(90, TimeUnit.SECONDS)) {
      StringBuilder stuck = new StringBuilder("workers still running after 90 s (deadlock?):");
      for (Thread t : ts) {
        if (t.isAlive()) {
          stuck.append("\n").append(t.getName());
          for (StackTraceElement e : t.getStackTrace()) {
            stuck.append("\n    at ").append(e);
          }
          t.interrupt();
        }
      }
      throw new AssertionError(stuck.toString());
    }
    if (failure.get() != null) {
      Throwable f = failure.get();
      throw f instanceof AssertionError a ? a : new AssertionError(f);
    }
  }

  // ---- tests

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void writersOfDifferentFiles_eachReadBackExactlyTheirOwnData() throws Exception {
    paths.mkdir("/own");
    int slots = 16;
    runConcurrently(threads(), t -> {
      String path = "/own/t" + t;
      long[] latest = new long[slots];
      long h = openRw(path);
      for (int i = 1; i <= iterations(); i++) {
        int slot = i % slots;
        writeAt(h, (long) slot * RECORD, record(t, i));
        latest[slot] = i;
        long[] got = check(readAt(h, (long) slot * RECORD, RECORD), path + " slot " + slot);
        assertThat(got).containsExactly(t, i);
        if (i % 25 == 0) {
          fs.release(h);
          h = open(path, OpenFlags.READ_WRITE).handle();
          for (int s = 0; s < slots; s++) {
            long[] r = check(readAt(h, (long) s * RECORD, RECORD), path + " slot " + s + " after reopen");
            if (latest[s] == 0) {
              assertThat(r).isNull();
            } else {
              assertThat(r).containsExactly(t, latest[s]);
            }
          }
        }
      }
      fs.release(h);
    });
    for (int t = 0; t < threads(); t++) {
      assertThat(attr("/own/t" + t).size()).isEqualTo(16L * RECORD);
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void readersOfASharedFile_seeWholeRecords_andEverythingClosedBeforeTheyOpened() throws Exception {
    int writers = Math.max(2, threads() / 2);
    int readers = Math.max(2, threads() - writers);
    int slotsPerWriter = 4;
    int slots = writers * slotsPerWriter;
    int hotSlot = slots; // written by every writer: only whole records are checked there
    paths.createFile("/shared");
    paths.truncate("/shared", (long) (slots + 1) * RECORD); // every slot readable (zeros) from the start
    AtomicLongArray committed = new AtomicLongArray(slots);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger writersLeft = new AtomicInteger(writers);
    AtomicInteger reads = new AtomicInteger();
    runConcurrently(writers + readers, t -> {
      if (t < writers) {
        try {
          for (int i = 1; i <= iterations(); i++) {
            int slot = t * slotsPerWriter + i % slotsPerWriter;
            long h = open("/shared", OpenFlags.WRITE).handle();
            writeAt(h, (long) slot * RECORD, record(t, i));
            writeAt(h, (long) hotSlot * RECORD, record(t, i));
            fs.flush(h);
            fs.release(h);
            committed.set(slot, i);
          }
        } finally {
          if (writersLeft.decrementAndGet() == 0) {
            writing.set(false);
          }
        }
      } else {
        Random rnd = new Random(t);
        long longLived = open("/shared", OpenFlags.READ).handle();
        try {
          while (writing.get() || reads.get() < readers) {
            int slot = rnd.nextInt(slots);
            long floor = committed.get(slot);
            long h = open("/shared", OpenFlags.READ).handle();
            long[] r = check(readAt(h, (long) slot * RECORD, RECORD), "/shared slot " + slot);
            fs.release(h);
            if (floor > 0) {
              assertThat(r).as("slot %d after its writer closed seq %d", slot, floor).isNotNull();
              assertThat(r[0]).isEqualTo(slot / slotsPerWriter);
              assertThat(r[1]).as("seq in slot %d", slot).isGreaterThanOrEqualTo(floor);
            }
            check(readAt(longLived, (long) hotSlot * RECORD, RECORD), "/shared hot slot");
            check(readAt(longLived, (long) rnd.nextInt(slots) * RECORD, RECORD), "/shared via a long-lived handle");
            reads.incrementAndGet();
          }
        } finally {
          fs.release(longLived);
        }
      }
    });
    byte[] all = content("/shared");
    for (int slot = 0; slot < slots; slot++) {
      long[] r = check(block(all, slot), "final slot " + slot);
      assertThat(r).containsExactly(slot / slotsPerWriter, committed.get(slot));
    }
    assertThat(check(block(all, hotSlot), "final hot slot")).isNotNull();
  }

  private static byte[] block(byte[] all, int slot) {
    byte[] b = new byte[RECORD];
    System.arraycopy(all, slot * RECORD, b, 0, RECORD);
    return b;
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void createsRenamesAndUnlinksInOneDirectory_endInTheStateTheThreadsLogged() throws Exception {
    paths.mkdir("/busy");
    InodeId busy = id("/busy");
    int workers = threads();
    Map<String, String> expected = new ConcurrentHashMap<>();
    Set<String> sharedCandidates = ConcurrentHashMap.newKeySet();
    AtomicBoolean working = new AtomicBoolean(true);
    AtomicInteger left = new AtomicInteger(workers);
    AtomicInteger listings = new AtomicInteger();
    runConcurrently(workers + 1, t -> {
      if (t == workers) {
        while (working.get() || listings.get() == 0) {
          List<String> names = listOnce(busy);
          Set<String> unique = new HashSet<>();
          for (String n : names) {
            if (!n.equals("shared")) {
              assertThat(unique.add(n)).as("%s listed twice in one listing", n).isTrue();
            }
          }
          listings.incrementAndGet();
        }
        return;
      }
      try {
        for (int i = 0; i < iterations(); i++) {
          String content = "t" + t + "-" + i;
          paths.write("/busy/new-" + content, content.getBytes());
          paths.rename("/busy/new-" + content, "/busy/r-" + content);
          if (i % 3 == 0) {
            paths.delete("/busy/r-" + content);
          } else if (i % 5 == 1) {
            sharedCandidates.add(content);
            paths.rename("/busy/r-" + content, "/busy/shared");
          } else {
            expected.put("r-" + content, content);
          }
        }
      } finally {
        if (left.decrementAndGet() == 0) {
          working.set(false);
        }
      }
    });
    Set<String> want = new HashSet<>(expected.keySet());
    if (!sharedCandidates.isEmpty()) {
      want.add("shared");
    }
    List<String> listed = paths.list("/busy");
    assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(want);
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertThat(new String(content("/busy/" + e.getKey()))).isEqualTo(e.getValue());
      assertThat(attr("/busy/" + e.getKey()).nlink()).isEqualTo(1);
    }
    if (!sharedCandidates.isEmpty()) {
      assertThat(sharedCandidates).contains(new String(content("/busy/shared")));
    }
    assertThat(attr("/busy").nlink()).isEqualTo(2);
  }

  private List<String> listOnce(InodeId dir) throws FsException {
    List<String> out = new ArrayList<>();
    long h = fs.opendir(ROOT, dir);
    try {
      long cookie = 0;
      DirListing page;
      do {
        page = fs.readdir(h, cookie, 16);
        for (DirEntry e : page.entries()) {
          cookie = e.cookie();
          if (!e.name().isDotOrDotDot()) {
            out.add(e.name().toString());
          }
        }
      } while (!page.end() && !page.entries().isEmpty());
    } finally {
      fs.releasedir(h);
    }
    return out;
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void racingMkdirAndRmdir_failOnlyAsPosixAllows_andLeaveConsistentLinkCounts() throws Exception {
    paths.mkdir("/race");
    runConcurrently(threads(), t -> {
      Random rnd = new Random(t);
      for (int i = 0; i < iterations() * 2; i++) {
        String dir = "/race/d" + rnd.nextInt(4);
        try {
          switch (rnd.nextInt(3)) {
            case 0 -> paths.mkdir(dir);
            case 1 -> paths.mkdir(dir + "/sub" + rnd.nextInt(2));
            default -> paths.delete(rnd.nextBoolean() ? dir : dir + "/sub" + rnd.nextInt(2));
          }
        } catch (FsException e) {
          assertThat(e.error()).as("error of a racing mkdir/rmdir: %s", e.getMessage())
              .isIn(FsError.EXISTS, FsError.NOT_FOUND, FsError.NOT_EMPTY);
        }
      }
    });
    int subdirs = 0;
    for (String d : paths.list("/race")) {
      subdirs++;
      List<String> inner = paths.list("/race/" + d);
      assertThat(attr("/race/" + d).nlink()).isEqualTo(2 + inner.size());
      for (String s : inner) {
        assertThat(attr("/race/" + d + "/" + s).isDirectory()).isTrue();
      }
    }
    assertThat(attr("/race").nlink()).isEqualTo(2 + subdirs);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void exclusiveCreatesOfOneName_haveExactlyOneWinner() throws Exception {
    int rounds = Math.max(10, iterations() / 5);
    Map<Integer, Set<Integer>> winners = new ConcurrentHashMap<>();
    runConcurrently(threads(), t -> {
      for (int round = 0; round < rounds; round++) {
        try {
          OpenResult r = fs.create(ROOT, fs.root(), name("excl" + round), 0644,
              OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_EXCL));
          writeAt(r.handle(), 0, ("winner " + t).getBytes());
          fs.release(r.handle());
          winners.computeIfAbsent(round, k -> ConcurrentHashMap.newKeySet()).add(t);
        } catch (FsException e) {
          assertThat(e.error()).isEqualTo(FsError.EXISTS);
        }
      }
    });
    Map<Integer, Integer> counts = new HashMap<>();
    winners.forEach((round, ws) -> counts.put(round, ws.size()));
    for (int round = 0; round < rounds; round++) {
      assertThat(counts.getOrDefault(round, 0)).as("winners of round %d", round).isEqualTo(1);
      int winner = winners.get(round).iterator().next();
      assertThat(new String(content("/excl" + round))).isEqualTo("winner " + winner);
    }
    assertThat(Collections.frequency(paths.list("/"), "excl0")).isEqualTo(1);
  }
}
