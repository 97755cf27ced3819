package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.truckeefs.fuse.ffm.LibFuse3.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.StatFs;
import org.truckeefs.api.TimeSpec;

/**
 * Translation between C structs and API values, and per-thread scratch memory so that a request allocates no
 * native memory: each libfuse worker thread keeps its own structs and one data buffer, grown to the largest request.
 */
final class Native {
  /** st_blksize: stdio and cp size their buffers by it; one FUSE write carries up to 1 MiB. */
  static final int IO_BLOCK = 128 * 1024;
  private static final long UTIME_NOW = (1L << 30) - 1;
  private static final long UTIME_OMIT = (1L << 30) - 2;

  private Native() {}

  /** One worker thread's structs; freed with the thread (automatic arena). */
  static final class Scratch {
    private final Arena arena = Arena.ofAuto();
    final MemorySegment entry = arena.allocate(ENTRY_SIZE, 8);
    final MemorySegment stat = arena.allocate(STAT_SIZE, 8);
    final MemorySegment statvfs = arena.allocate(STATVFS_SIZE, 8);
    final MemorySegment flock = arena.allocate(FLOCK_SIZE, 8);
    final MemorySegment name = arena.allocate(4097, 8);
    private MemorySegment buffer;
    private byte[] staging;

    Scratch(int bufferSize) {
      buffer = arena.allocate(bufferSize, 4096);
      staging = new byte[bufferSize];
    }

    /** A heap array of at least {@code size} bytes to encode a reply into; {@link #copyOut} sends it native. */
    byte[] staging(long size) {
      if (staging.length < size) {
        staging = new byte[(int) Math.max(size, staging.length * 2L)];
      }
      return staging;
    }

    /** The first {@code n} bytes of the staging array, copied into {@link #buffer}: one bulk copy per reply. */
    MemorySegment copyOut(int n) {
      MemorySegment b = buffer(n);
      MemorySegment.copy(staging, 0, b, JAVA_BYTE, 0, n);
      return b;
    }

    /** The size of the native buffer now (it grows on demand). */
    long bufferSize() {
      return buffer.byteSize();
    }

    /** A buffer of at least {@code size} bytes (the scratch arena keeps the old one until the thread ends). */
    MemorySegment buffer(long size) {
      if (buffer.byteSize() < size) {
        buffer = Arena.ofAuto().allocate(Math.max(size, buffer.byteSize() * 2), 4096);
      }
      return buffer;
    }

    /** {@code bytes} as a NUL-terminated C string in this scratch. */
    MemorySegment cString(byte[] bytes) {
      MemorySegment.copy(bytes, 0, name, JAVA_BYTE, 0, bytes.length);
      name.set(JAVA_BYTE, bytes.length, (byte) 0);
      return name;
    }
  }

  /** Scratches made ahead ({@link #prepareScratch}), taken by worker threads as they start. */
  private static final Queue<Scratch> SPARE = new ConcurrentLinkedQueue<>();
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(() -> {
    Scratch s = SPARE.poll();
    return s != null ? s : new Scratch(64 * 1024);
  });

  /**
   * Makes {@code count} scratches with buffers of {@code bufferSize} bytes for worker threads to take. A new native
   * buffer is zeroed and page-faulted in by whoever allocates it: left to the workers, that fell on the first
   * large reply of each (a directory listing: about a quarter of a fresh mount's first {@code ls -l} CPU).
   */
  static void prepareScratch(int count, int bufferSize) {
    for (int i = 0; i < count; i++) {
      SPARE.add(new Scratch(bufferSize));
    }
  }

  static Scratch scratch() {
    return SCRATCH.get();
  }

  /** The bytes of a NUL-terminated C string. */
  static byte[] cBytes(MemorySegment p) {
    MemorySegment s = p.reinterpret(Long.MAX_VALUE);
    long n = 0;
    while (s.get(JAVA_BYTE, n) != 0) {
      n++;
    }
    return s.asSlice(0, n).toArray(JAVA_BYTE);
  }

  static void fillStat(MemorySegment st, InodeAttributes a) {
    byte[] b = new byte[(int) STAT_SIZE];
    putStat(b, 0, a);
    MemorySegment.copy(b, 0, st, JAVA_BYTE, 0, b.length);
  }

  /** A {@code struct stat} at {@code at} of a zeroed array (see {@link LittleEndian} for why not segment stores). */
  private static void putStat(byte[] b, int at, InodeAttributes a) {
    LittleEndian.putLong(b, at + (int) ST_INO, a.id().value());
    LittleEndian.putLong(b, at + (int) ST_NLINK, a.nlink());
    LittleEndian.putInt(b, at + (int) ST_MODE, a.stMode());
    LittleEndian.putInt(b, at + (int) ST_UID, a.uid());
    LittleEndian.putInt(b, at + (int) ST_GID, a.gid());
    LittleEndian.putLong(b, at + (int) ST_RDEV, a.rdev());
    LittleEndian.putLong(b, at + (int) ST_SIZE, a.size());
    LittleEndian.putLong(b, at + (int) ST_BLKSIZE, IO_BLOCK);
    LittleEndian.putLong(b, at + (int) ST_BLOCKS, a.blocks());
    putTime(b, at + (int) ST_ATIM, a.atime());
    putTime(b, at + (int) ST_MTIM, a.mtime());
    putTime(b, at + (int) ST_CTIM, a.ctime());
  }

  private static void putTime(byte[] b, int at, Instant t) {
    LittleEndian.putLong(b, at, t.getEpochSecond());
    LittleEndian.putLong(b, at + 8, t.getNano());
  }

  /** A fuse_entry_param for {@code a}: the inode number is the node id, so every hard link shares one kernel node. */
  static MemorySegment entry(Scratch s, InodeAttributes a, double attrTimeout, double entryTimeout) {
    byte[] b = new byte[(int) ENTRY_SIZE];
    LittleEndian.putLong(b, (int) ENTRY_INO, a.id().value());
    putStat(b, (int) ENTRY_ATTR, a); // the generation stays 0
    LittleEndian.putLong(b, (int) ENTRY_ATTR_TIMEOUT, Double.doubleToRawLongBits(attrTimeout));
    LittleEndian.putLong(b, (int) ENTRY_ENTRY_TIMEOUT, Double.doubleToRawLongBits(entryTimeout));
    MemorySegment.copy(b, 0, s.entry, JAVA_BYTE, 0, b.length);
    return s.entry;
  }

  /** A negative entry (node id 0): the kernel caches "no such name" for {@code entryTimeout}. */
  static MemorySegment negativeEntry(Scratch s, double entryTimeout) {
    MemorySegment e = s.entry;
    e.fill((byte) 0);
    e.set(java.lang.foreign.ValueLayout.JAVA_DOUBLE, ENTRY_ENTRY_TIMEOUT, entryTimeout);
    return e;
  }

  /** A time of setattr's struct stat: explicit, or UTIME_NOW as "now". */
  static TimeSpec time(MemorySegment st, long off, boolean now) {
    if (now) {
      return TimeSpec.now();
    }
    long nsec = st.get(JAVA_LONG, off + 8);
    if (nsec == UTIME_NOW) {
      return TimeSpec.now();
    }
    if (nsec == UTIME_OMIT) {
      return null;
    }
    return TimeSpec.at(Instant.ofEpochSecond(st.get(JAVA_LONG, off), nsec));
  }

  /** A {@code struct timespec} of a struct stat as it is. */
  static Instant instant(MemorySegment st, long off) {
    return Instant.ofEpochSecond(st.get(JAVA_LONG, off), st.get(JAVA_LONG, off + 8));
  }

  static MemorySegment statvfs(Scratch s, StatFs f) {
    MemorySegment st = s.statvfs;
    st.fill((byte) 0);
    st.set(JAVA_LONG, F_BSIZE, f.blockSize());
    st.set(JAVA_LONG, F_FRSIZE, f.blockSize());
    st.set(JAVA_LONG, F_BLOCKS, f.totalBlocks());
    st.set(JAVA_LONG, F_BFREE, f.freeBlocks());
    st.set(JAVA_LONG, F_BAVAIL, f.availableBlocks());
    st.set(JAVA_LONG, F_FILES, f.totalInodes());
    st.set(JAVA_LONG, F_FFREE, f.freeInodes());
    st.set(JAVA_LONG, F_FAVAIL, f.freeInodes());
    st.set(JAVA_LONG, F_NAMEMAX, f.maxNameLength());
    return st;
  }

  static MemorySegment fi(MemorySegment p) {
    return p.reinterpret(FI_SIZE);
  }
}
