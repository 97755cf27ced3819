package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.fuse.ffm.LibFuse3.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.testkit.RequiredService;

/**
 * {@link Dirents} writes the same bytes as libfuse's own {@code fuse_add_direntry_plus} and {@code fuse_add_direntry}
 * (called here on the installed library, which never looks at its request argument), padding included, and says
 * "does not fit" exactly when they do.
 */
class DirentsTest {
  private static final long BUF = 64 * 1024;
  private static MethodHandle addPlus;
  private static MethodHandle add;

  @BeforeAll
  static void library() {
    SymbolLookup lib;
    try {
      lib = SymbolLookup.libraryLookup(LibFuse3.LIBRARY, Arena.global());
    } catch (IllegalArgumentException e) {
      RequiredService.require(false, "libfuse 3 (apt-get install libfuse3-3)");
      return;
    }
    addPlus = LibFuse3.linker().downcallHandle(lib.find("fuse_add_direntry_plus").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    add = LibFuse3.linker().downcallHandle(lib.find("fuse_add_direntry").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
  }

  private static List<InodeAttributes> samples() {
    Instant t1 = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
    Instant t2 = Instant.ofEpochSecond(1L, 999_999_999);
    Instant t3 = Instant.ofEpochSecond(4_102_444_800L, 0);
    return List.of(
        new InodeAttributes(InodeId.of(2), InodeType.FILE, 0644, 0, 0, 0, 1, 0, t1, t2, t3, t1, 0),
        new InodeAttributes(InodeId.of(1L << 40), InodeType.DIRECTORY, 01777, 65534, 100, 4096, 70_000, 0, t3, t1, t2, t1, 7),
        new InodeAttributes(InodeId.of(77), InodeType.FILE, 06755, -2, -1, (1L << 42) + 3, (1L << 33) + 5, 0, t2, t3, t1, t2, 1),
        new InodeAttributes(InodeId.of(78), InodeType.SYMLINK, 0777, 1000, 1000, 13, 1, 0, t1, t1, t1, t1, 0),
        new InodeAttributes(InodeId.of(79), InodeType.CHAR_DEVICE, 0600, 0, 5, 0, 1, (4L << 8) | 1, t1, t2, t3, t1, 0),
        new InodeAttributes(InodeId.of(80), InodeType.FIFO, 0600, 0, 0, 0, 2, 0, t1, t2, t3, t1, 0));
  }

  private static List<byte[]> names() {
    List<byte[]> names = new ArrayList<>();
    for (int n = 1; n <= 17; n++) {
      names.add("abcdefghijklmnopq".substring(0, n).getBytes(StandardCharsets.US_ASCII));
    }
    names.add("ünïcödé".getBytes(StandardCharsets.UTF_8));
    names.add("x".repeat(255).getBytes(StandardCharsets.US_ASCII));
    return names;
  }

  private static byte[] filled(byte b) {
    byte[] a = new byte[(int) BUF];
    Arrays.fill(a, b);
    return a;
  }

  @Test
  void plusEntriesAreLibfusesBytes() throws Throwable {
    for (double[] timeouts : new double[][] {{30, 30}, {1.5, 0.25}, {0, 0}, {0.999_999_9995, 86_400.000_001}}) {
      Dirents d = new Dirents(timeouts[0], timeouts[1]);
      try (Arena arena = Arena.ofConfined()) {
        byte[] ours = filled((byte) 0xa5);
        MemorySegment theirs = arena.allocate(BUF, 8).fill((byte) 0x5a);
        Native.Scratch s = new Native.Scratch(64 * 1024);
        int pos = 0;
        long cookie = 3;
        for (InodeAttributes a : samples()) {
          for (byte[] name : names()) {
            for (boolean lookup : new boolean[] {true, false}) {
              MemorySegment entry;
              if (lookup) {
                entry = Native.entry(s, a, timeouts[0], timeouts[1]);
              } else {
                entry = Native.negativeEntry(s, 0);
                Native.fillStat(entry.asSlice(ENTRY_ATTR, STAT_SIZE), a);
              }
              long n = (long) addPlus.invokeExact(MemorySegment.NULL, theirs.asSlice(pos), BUF - pos, s.cString(name),
                  entry, cookie);
              assertThat((long) d.putPlus(ours, pos, (int) BUF, name, a, cookie, lookup))
                  .isEqualTo(n).isEqualTo(Dirents.plusSize(name.length));
              pos += n;
              cookie += 1_000_003;
            }
          }
        }
        assertThat(pos).isGreaterThan((int) (BUF / 2));
        assertThat(Arrays.copyOf(ours, pos)).isEqualTo(theirs.asSlice(0, pos).toArray(JAVA_BYTE));
      }
    }
  }

  @Test
  void plainEntriesAreLibfusesBytes() throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      byte[] ours = filled((byte) 0xa5);
      MemorySegment theirs = arena.allocate(BUF, 8).fill((byte) 0x5a);
      Native.Scratch s = new Native.Scratch(64 * 1024);
      int pos = 0;
      long cookie = 1;
      for (InodeAttributes a : samples()) {
        for (byte[] name : names()) {
          s.stat.fill((byte) 0);
          s.stat.set(JAVA_LONG, ST_INO, a.id().value());
          s.stat.set(JAVA_INT, ST_MODE, a.type().modeBits());
          long n = (long) add.invokeExact(MemorySegment.NULL, theirs.asSlice(pos), BUF - pos, s.cString(name), s.stat, cookie);
          assertThat((long) Dirents.put(ours, pos, (int) BUF, name, a.id().value(), a.type().modeBits(), cookie))
              .isEqualTo(n).isEqualTo(Dirents.size(name.length));
          pos += n;
          cookie = cookie * 3 + 1;
        }
      }
      assertThat(Arrays.copyOf(ours, pos)).isEqualTo(theirs.asSlice(0, pos).toArray(JAVA_BYTE));
    }
  }

  @Test
  void anEntryThatDoesNotFitIsNotWritten() throws Throwable {
    Dirents d = new Dirents(30, 30);
    InodeAttributes a = samples().get(0);
    byte[] name = "seven77".getBytes(StandardCharsets.US_ASCII);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment native_ = arena.allocate(BUF, 8);
      byte[] buf = new byte[(int) BUF];
      Native.Scratch s = new Native.Scratch(64 * 1024);
      int need = (int) Dirents.plusSize(name.length);
      for (int room : new int[] {need - 1, need - 8, 0}) {
        Arrays.fill(buf, (byte) 0x11);
        long theirs = (long) addPlus.invokeExact(MemorySegment.NULL, native_, (long) room, s.cString(name),
            Native.entry(s, a, 30, 30), 5L);
        assertThat(theirs).as("libfuse's answer: the size it needs").isGreaterThan(room);
        assertThat(d.putPlus(buf, 100 * 8, 100 * 8 + room, name, a, 5, true)).isZero();
        assertThat(Dirents.put(buf, 8, 8 + (int) Math.min(room, Dirents.size(name.length) - 1), name, 2, 0100000, 5))
            .isZero();
        assertThat(buf).containsOnly((byte) 0x11);
      }
      assertThat(d.putPlus(buf, 8, 8 + need, name, a, 5, true)).isEqualTo(need);
    }
  }
}
