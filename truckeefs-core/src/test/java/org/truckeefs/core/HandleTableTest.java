package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;

class HandleTableTest {
  static final InodeId FILE = new InodeId(7);
  static final InodeId DIR = new InodeId(8);

  final HandleTable table = new HandleTable();

  @Test
  void openFile_thenFile_returnsWhatWasOpened() throws Exception {
    long h = table.openFile(null, FILE, OpenFlags.READ, Caller.ROOT);
    FileHandle fh = table.file(h);
    assertThat(fh.inode).isEqualTo(FILE);
    assertThat(fh.flags).isEqualTo(OpenFlags.READ);
    assertThat(fh.caller).isEqualTo(Caller.ROOT);
    assertThat(table.file(h)).isSameAs(fh);
  }

  @Test
  void numbers_areNeverReused() throws Exception {
    long a = table.openFile(null, FILE, OpenFlags.READ, Caller.ROOT);
    table.closeFile(a);
    long b = table.openFile(null, FILE, OpenFlags.READ, Caller.ROOT);
    assertThat(b).isNotEqualTo(a);
    assertBadHandle(() -> table.file(a));
  }

  @Test
  void fileAndDirectoryHandles_areNotInterchangeable() throws Exception {
    long f = table.openFile(null, FILE, OpenFlags.READ, Caller.ROOT);
    long d = table.openDir(DIR);
    assertThat(table.dir(d)).isEqualTo(DIR);
    assertBadHandle(() -> table.dir(f));
    assertBadHandle(() -> table.file(d));
    // a wrong-kind close leaves the handle open
    assertBadHandle(() -> table.closeDir(f));
    assertBadHandle(() -> table.closeFile(d));
    assertThat(table.file(f).inode).isEqualTo(FILE);
    assertThat(table.dir(d)).isEqualTo(DIR);
    assertThat(table.size()).isEqualTo(2);
  }

  @Test
  void closing_twice_isBadHandle() throws Exception {
    long f = table.openFile(null, FILE, OpenFlags.READ, Caller.ROOT);
    long d = table.openDir(DIR);
    table.closeFile(f);
    table.closeDir(d);
    assertBadHandle(() -> table.closeFile(f));
    assertBadHandle(() -> table.closeDir(d));
    assertThat(table.size()).isZero();
  }

  @Test
  void fileOf_matchesOnlyAnOpenFileOfThatInode() throws Exception {
    long f = table.openFile(null, FILE, OpenFlags.READ, Caller.ROOT);
    long d = table.openDir(DIR);
    assertThat(table.fileOf(f, FILE)).isSameAs(table.file(f));
    assertThat(table.fileOf(f, DIR)).isNull();
    assertThat(table.fileOf(d, DIR)).isNull();
    assertThat(table.fileOf(-1, FILE)).isNull();
    assertThat(table.fileOf(12345, FILE)).isNull();
  }

  @Test
  void concurrentOpensAndCloses_giveDistinctNumbers_andEachCloseSucceedsOnce() throws Exception {
    int threads = 4;
    int per = 2_000;
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          Set<Long> mine = new HashSet<>();
          for (int i = 0; i < per; i++) {
            mine.add(i % 2 == 0 ? table.openFile(null, FILE, OpenFlags.READ, Caller.ROOT) : table.openDir(DIR));
          }
          seen.addAll(mine);
          for (long h : mine) {
            try {
              table.closeFile(h);
            } catch (FsException notAFile) {
              table.closeDir(h);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).hasSize(threads * per);
    assertThat(table.size()).isZero();
  }

  private static void assertBadHandle(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class,
        e -> assertThat(e.error()).isEqualTo(FsError.BAD_HANDLE));
  }
}
