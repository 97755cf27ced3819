package org.truckeefs.fuse;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/** What the kernel says about a directory we want to mount on (from /proc/self/mountinfo), and fusermount. */
final class MountPoints {
  private static final Logger log = LoggerFactory.getLogger(MountPoints.class);

  private MountPoints() {}

  /** The filesystem type mounted exactly at {@code dir}, if any (the last mount on top wins). */
  static Optional<String> mountedType(Path dir) {
    String target = dir.toAbsolutePath().normalize().toString();
    Optional<String> type = Optional.empty();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        // id parent major:minor root mountpoint options [optional...] - fstype source superopts
        String[] f = line.split(" ");
        int dash = List.of(f).indexOf("-");
        if (f.length > 4 && dash > 0 && dash + 1 < f.length && unescape(f[4]).equals(target)) {
          type = Optional.of(f[dash + 1]);
        }
      }
    } catch (IOException e) {
      log.debug("cannot read /proc/self/mountinfo: {}", e.getMessage());
    }
    return type;
  }

  static boolean isMounted(Path dir) {
    return mountedType(dir).isPresent();
  }

  /**
   * Makes {@code dir} ready to mount on: an existing, empty directory with nothing mounted on it. A FUSE mount
   * left by a killed process ("Transport endpoint is not connected") is cleared with {@code fusermount -u}.
   */
  static void prepare(Path dir) throws FsException {
    Optional<String> type = mountedType(dir);
    if (type.isPresent()) {
      if (type.get().startsWith("fuse") && isDisconnected(dir)) {
        log.warn("clearing a stale mount on {} left by a process that was killed (fusermount -u)", dir);
        System.err.println("truckeefs: clearing a stale mount on " + dir + " left by a killed process");
        unmount(dir, true);
        if (isMounted(dir)) {
          throw new FsException(FsError.BUSY, "cannot clear the stale mount on " + dir + ": run `fusermount -uz " + dir + "`");
        }
      } else {
        throw new FsException(FsError.BUSY,
            dir + " is already mounted (" + type.get() + "): unmount it first with `truckeefs umount " + dir + "`");
      }
    }
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new FsException(FsError.NOT_FOUND, "mount point " + dir + " does not exist: create it with `mkdir -p " + dir + "`");
    }
    if (!Files.isDirectory(dir)) {
      throw new FsException(FsError.NOT_DIRECTORY, "mount point " + dir + " is not a directory");
    }
    boolean empty;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      empty = !s.iterator().hasNext();
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot read mount point " + dir + ": " + e.getMessage());
    }
    if (!empty) {
      throw new FsException(FsError.NOT_EMPTY, "mount point " + dir + " is not empty: mount on an empty directory");
    }
  }

  static boolean isDisconnected(Path dir) {
    try {
      Files.readAttributes(dir, "unix:ino");
      return false;
    } catch (FileSystemException e) {
      String reason = e.getReason();
      return reason != null && reason.contains("not connected");
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** {@code fusermount -u}; {@code lazy} adds {@code -z} when the plain unmount fails (busy). */
  static boolean unmount(Path dir, boolean lazy) {
    if (run("fusermount", "-u", dir.toString()) == 0) {
      return true;
    }
    return lazy && run("fusermount", "-u", "-z", dir.toString()) == 0;
  }

  private static int run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
