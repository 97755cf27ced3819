package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;

/** The local write-back journal alone: records, replay, torn tails, compaction, its bound and its file modes. */
@Timeout(60)
class WriteBackJournalTest {
  @TempDir Path dir;
  final List<WriteBackJournal> opened = new ArrayList<>();

  @AfterEach
  void tearDown() {
    opened.forEach(WriteBackJournal::close);
  }

  WriteBackJournal open(long slack) throws FsException {
    WriteBackJournal j = new WriteBackJournal(dir, slack);
    opened.add(j);
    return j;
  }

  WriteBackJournal open() throws FsException {
    return open(WriteBackJournal.DEFAULT_SLACK_BYTES);
  }

  Path file() {
    return dir.resolve(WriteBackJournal.DIR).resolve(WriteBackJournal.FILE);
  }

  static byte[] payload(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static List<String> payloads(WriteBackJournal j) throws FsException {
    return j.entries().stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void appendedRecords_areReadBackAfterARestart_exceptThoseMarkedDone() throws Exception {
    WriteBackJournal j = open();
    long a = j.append(new InodeId(7), 3, payload("a"));
    long b = j.append(new InodeId(8), 4, payload("b"));
    long c = j.append(new InodeId(7), 5, payload("c"));
    assertThat(a).isLessThan(b);
    assertThat(b).isLessThan(c);
    j.done(b);
    j.done(b); // twice: no harm
    // a crash: never closed, nothing forced; the page cache holds what was written. b's done record waits for the
    // next append, so b is read back (the next start asks its commit mark)
    assertThat(open().entries()).extracting(WriteBackJournal.Entry::seq).containsExactly(a, b, c);
    long d = j.append(new InodeId(9), 6, payload("d"));
    WriteBackJournal again = open();
    assertThat(again.entries()).extracting(WriteBackJournal.Entry::seq).containsExactly(a, c, d);
    WriteBackJournal.Entry first = again.entries().get(0);
    assertThat(first.inode()).isEqualTo(new InodeId(7));
    assertThat(first.baseVersion()).isEqualTo(3);
    assertThat(payloads(again)).containsExactly("a", "c", "d");
    assertThat(again.append(new InodeId(9), 0, payload("e"))).isGreaterThan(d);
  }

  @Test
  void doneRecords_goWithTheNextAppendInItsOneWrite() throws Exception {
    WriteBackJournal j = open();
    long a = j.append(new InodeId(1), 0, payload("a"));
    long b = j.append(new InodeId(2), 0, payload("b"));
    j.done(a);
    j.done(b);
    long size = Files.size(file());
    long c = j.append(new InodeId(3), 0, payload("c"));
    // the two done records and the new one, each framed, in one write at the end
    assertThat(Files.size(file()) - size).isEqualTo(2 * (8 + 1 + 8) + (8 + 1 + 24 + 1));
    assertThat(open().entries()).extracting(WriteBackJournal.Entry::seq).containsExactly(c);
    // and the new record is read from its place after them
    assertThat(payloads(j)).containsExactly("c");
  }

  @Test
  void doneRecords_areWrittenOnTheirOwn_onceEnoughWait_andAtClose() throws Exception {
    WriteBackJournal j = open();
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < WriteBackJournal.MAX_UNWRITTEN_DONE + 1; i++) {
      seqs.add(j.append(new InodeId(i + 1), 0, payload("p" + i)));
    }
    for (long s : seqs) {
      j.done(s);
    }
    // without another append: the first MAX_UNWRITTEN_DONE were written once that many waited, the last waits
    assertThat(open().entries()).extracting(WriteBackJournal.Entry::seq).containsExactly(seqs.get(seqs.size() - 1));
    j.close();
    assertThat(open().entries()).isEmpty();
  }

  @Test
  void aDoneRecordWaitingAfterACompaction_goesIntoTheNewFile_andItsMarkIsKeptMeanwhile() throws Exception {
    WriteBackJournal j = open();
    long a = j.append(new InodeId(1), 0, payload("a"));
    long b = j.append(new InodeId(2), 0, payload("b"));
    j.done(a);
    assertThat(j.compact()).as("b's commit mark stays: the new file holds b").isLessThan(b);
    j.done(b); // its done record waits
    assertThat(open().entries()).as("a crash now: b is read back, and its mark tells")
        .extracting(WriteBackJournal.Entry::seq).containsExactly(b);
    long c = j.append(new InodeId(3), 0, payload("c"));
    assertThat(open().entries()).extracting(WriteBackJournal.Entry::seq).containsExactly(c);
  }

  @Test
  void aTornLastRecord_isIgnored_andLaterAppendsAreReadable() throws Exception {
    WriteBackJournal j = open();
    j.append(new InodeId(1), 0, payload("whole"));
    j.append(new InodeId(2), 0, payload("torn in the middle"));
    long size = Files.size(file());
    try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
      ch.truncate(size - 5); // the crash came in the middle of the second write
    }
    WriteBackJournal again = open();
    assertThat(payloads(again)).containsExactly("whole");
    again.append(new InodeId(3), 0, payload("after"));
    assertThat(payloads(open())).containsExactly("whole", "after");
  }

  @Test
  void garbageAfterTheLastRecord_failsItsChecksum_andIsIgnored() throws Exception {
    WriteBackJournal j = open();
    j.append(new InodeId(1), 0, payload("kept"));
    Files.write(file(), new byte[] {0, 0, 0, 20, 1, 2, 3, 4, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9},
        StandardOpenOption.APPEND);
    assertThat(payloads(open())).containsExactly("kept");
  }

  @Test
  void aFileThatIsNoJournal_isRefused_notOverwritten() throws Exception {
    Files.createDirectories(file().getParent());
    Files.writeString(file(), "something else");
    assertThatThrownBy(this::open).isInstanceOf(FsException.class);
    assertThat(Files.readString(file())).isEqualTo("something else");
  }

  @Test
  void compaction_keepsOnlyLiveRecords_andSequenceNumbersKeepIncreasing() throws Exception {
    WriteBackJournal j = open();
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      seqs.add(j.append(new InodeId(i + 1), i, payload("p" + i)));
    }
    for (int i = 0; i < 100; i++) {
      if (i != 42 && i != 77) {
        j.done(seqs.get(i));
      }
    }
    long before = Files.size(file());
    assertThat(j.compact()).as("marks below the oldest live record are no longer needed").isEqualTo(seqs.get(42) - 1);
    assertThat(Files.size(file())).isLessThan(before / 10);
    assertThat(Files.size(file())).isEqualTo(j.fileBytes());
    assertThat(payloads(open())).containsExactly("p42", "p77");
    j.done(seqs.get(42));
    j.done(seqs.get(77));
    assertThat(j.compact()).isEqualTo(seqs.get(99));
    // every record done and compacted away: the counter still goes on from where it was
    assertThat(open().append(new InodeId(1), 0, payload("next"))).isGreaterThan(seqs.get(99));
  }

  @Test
  void appendsDuringACompaction_areKept() throws Exception {
    WriteBackJournal j = open(1024);
    ConcurrentLinkedQueue<Long> live = new ConcurrentLinkedQueue<>();
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try {
        for (int i = 0; i < 3000; i++) {
          long s = j.append(new InodeId(i + 1), 0, payload("x" + i));
          if (i % 3 == 0) {
            live.add(s);
          } else {
            j.done(s);
          }
        }
      } catch (FsException e) {
        throw new RuntimeException(e);
      }
    });
    int compactions = 0;
    while (!writer.isDone()) {
      j.compact();
      compactions++;
    }
    writer.get();
    // the open journal reads its live records where the compactions moved them (it keeps places, not bytes)
    List<WriteBackJournal.Entry> now = j.entries();
    assertThat(now).extracting(WriteBackJournal.Entry::seq).containsExactlyInAnyOrderElementsOf(live);
    for (WriteBackJournal.Entry e : now) {
      assertThat(new String(e.payload(), StandardCharsets.UTF_8)).isEqualTo("x" + (e.inode().value() - 1));
    }
    j.compact(); // copies them from those places once more
    assertThat(open().entries()).extracting(WriteBackJournal.Entry::seq)
        .containsExactlyInAnyOrderElementsOf(live);
    assertThat(payloads(open())).hasSize(live.size()).allMatch(p -> p.startsWith("x"));
    assertThat(compactions).isPositive();
  }

  @Test
  void overALongRun_theFileStaysBounded() throws Exception {
    long slack = 8 * 1024;
    WriteBackJournal j = open(slack);
    List<Long> inFlight = new ArrayList<>();
    long largest = 0;
    for (int i = 0; i < 50_000; i++) {
      inFlight.add(j.append(new InodeId(i + 1), i, payload("chunk file " + i + " of some length")));
      if (inFlight.size() > 20) { // about 20 uploads in flight at any time
        j.done(inFlight.remove(0));
      }
      if (j.dueForCompaction()) { // what the write-back pipeline does, in the background
        j.compact();
      }
      largest = Math.max(largest, Files.size(file()));
    }
    // 50,000 records of ~70 bytes (3.5 MB) went through; the file never held more than its bound
    assertThat(largest).isLessThan(slack + 2 * 21 * 100 + 200);
    j.close(); // writes the done records that wait
    assertThat(open().entries()).hasSize(20);
  }

  @Test
  void theFileIsPrivate_0600_inA0700Directory() throws Exception {
    open().append(new InodeId(1), 0, payload("names of cache files"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file().getParent())))
        .isEqualTo("rwx------");
    WriteBackJournal j = open();
    j.compact(); // the compacted file replaces it: private too
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
  }
}
