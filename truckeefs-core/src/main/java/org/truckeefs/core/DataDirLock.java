package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The one owner of a data directory: an exclusive lock on {@code <data_dir>/lock}, held from open to close of a
 * {@link RiverFS} (a crash releases it with the process, so there is no stale lock to clean up). The file holds the
 * owner's pid so that a refused second user can name it.
 *
 * <p>Java's file locks are POSIX record locks: closing <em>any</em> descriptor of the file drops all of this process's
 * locks on it. So within the JVM only the holder ever opens the file: {@link #HELD} answers for this process before
 * anyone touches the file.
 */
final class DataDirLock implements AutoCloseable {
  static final String FILE = "lock";
  /** Data directories (normalized) this JVM holds, so an in-process check never opens (and so unlocks) the file. */
  private static final ConcurrentHashMap<Path, DataDirLock> HELD = new ConcurrentHashMap<>();

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock, or fails with EBUSY naming the holder's pid. The directory must exist. */
  static DataDirLock acquire(Path dataDir) throws FsException {
    Path dir = dataDir.toAbsolutePath().normalize();
    long self = ProcessHandle.current().pid();
    if (HELD.putIfAbsent(dir, placeholder(dir)) != null) {
      throw busy(dir, self);
    }
    boolean ok = false;
    try {
      Path file = dir.resolve(FILE);
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      try {
        PrivateDirectory.makePrivateFile(file);
        FileLock l = ch.tryLock();
        if (l == null) {
          throw busy(dir, readPid(file).orElse(0));
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((self + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        DataDirLock held = new DataDirLock(dir, ch, l);
        HELD.put(dir, held);
        ok = true;
        return held;
      } finally {
        if (!ok) {
          ch.close();
        }
      }
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw new FsException(FsError.IO, "cannot lock data directory " + dir + ": " + e.getMessage(), e);
    } finally {
      if (!ok) {
        HELD.remove(dir);
      }
    }
  }

  /**
   * The pid of the process that holds {@code dataDir}, or empty when nobody does. Opens the file read-only and takes
   * (and drops at once) a shared lock, so it needs only read access and never disturbs a holder.
   */
  static OptionalLong owner(Path dataDir) throws FsException {
    Path dir = dataDir.toAbsolutePath().normalize();
    if (HELD.containsKey(dir)) {
      return OptionalLong.of(ProcessHandle.current().pid());
    }
    Path file = dir.resolve(FILE);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      FileLock probe;
      try {
        probe = ch.tryLock(0, Long.MAX_VALUE, true);
      } catch (OverlappingFileLockException raced) { // this JVM took it between the check above and here
        return OptionalLong.of(ProcessHandle.current().pid());
      }
      if (probe != null) {
        probe.release();
        return OptionalLong.empty();
      }
      return OptionalLong.of(readPid(file).orElse(0));
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot check the lock of data directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The holder writes its pid right after locking; a reader racing that window retries briefly, then answers 0
   * ("held, pid unknown") rather than wait on a process it cannot see.
   */
  private static OptionalLong readPid(Path file) {
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        String s = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (s.matches("[0-9]{1,19}")) {
          return OptionalLong.of(Long.parseLong(s));
        }
      } catch (IOException | NumberFormatException e) {
        // treated as not written yet
      }
      LockSupport.parkNanos(2_000_000);
    }
    return OptionalLong.empty();
  }

  private static FsException busy(Path dir, long pid) {
    return new FsException(FsError.BUSY, "data directory " + dir + " is in use by process "
        + (pid > 0 ? pid : "(unknown pid)") + "; stop that mount (or use another data_dir) first");
  }

  private static DataDirLock placeholder(Path dir) {
    return new DataDirLock(dir, null, null);
  }

  Path dir() {
    return dir;
  }

  @Override
  public void close() throws IOException {
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
      if (channel != null) {
        channel.close();
      }
    } finally {
      HELD.remove(dir, this);
    }
  }
}
