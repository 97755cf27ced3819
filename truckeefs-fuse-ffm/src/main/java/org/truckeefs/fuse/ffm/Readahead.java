package org.truckeefs.fuse.ffm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's read-ahead window of one FUSE mount. FUSE starts every mount at 128 KiB and keeps the smaller of
 * that and INIT's {@code max_readahead}, so a sequential read arrives as 128 KiB READ requests even though one
 * request may carry {@code max_pages} (1 MiB here). Root may raise it through the mount's backing device in sysfs,
 * between the mount and the INIT reply (which then asks for as much, see {@code LowLevelOps.init}); measured on a
 * 256 MiB sequential read (fio, 1 MiB blocks, cold cache): about 1.4x the throughput at 1024 KiB, one eighth of the
 * requests; 4096 KiB was no better. Without permission (not root) the kernel default stays, with a debug line.
 */
final class Readahead {
  private static final Logger log = LoggerFactory.getLogger(Readahead.class);
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
  private static final Path BDI = Path.of("/sys/class/bdi");

  private Readahead() {}

  /** Sets the read-ahead of the FUSE mount at {@code mountPoint} to {@code kib}; never fails the mount. */
  static void widen(Path mountPoint, int kib) {
    try {
      String dev = device(Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8), mountPoint);
      if (dev == null) {
        log.debug("read-ahead left at the kernel default: {} not in {}", mountPoint, MOUNTINFO);
        return;
      }
      Files.writeString(BDI.resolve(dev).resolve("read_ahead_kb"), Integer.toString(kib));
      log.debug("read-ahead of {} ({}) set to {} KiB", mountPoint, dev, kib);
    } catch (IOException | SecurityException e) {
      log.debug("read-ahead left at the kernel default for {}: {}", mountPoint, e.toString());
    }
  }

  /**
   * The {@code major:minor} of the last FUSE mount at {@code mountPoint} in mountinfo lines (the newest mount
   * there is ours), or null. Reading mountinfo rather than stat-ing the mount point sends no request to the mount.
   */
  static String device(List<String> mountinfo, Path mountPoint) {
    String escaped = escape(mountPoint.toString());
    String found = null;
    for (String line : mountinfo) {
      String[] f = line.split(" ");
      int dash = line.indexOf(" - ");
      if (f.length < 5 || dash < 0 || !f[4].equals(escaped)) {
        continue;
      }
      String fsType = line.substring(dash + 3).split(" ")[0];
      if (fsType.equals("fuse") || fsType.startsWith("fuse.")) {
        found = f[2];
      }
    }
    return found;
  }

  /** mountinfo's octal escapes of space, tab, newline and backslash. */
  private static String escape(String path) {
    StringBuilder sb = new StringBuilder();
    for (char c : path.toCharArray()) {
      switch (c) {
        case ' ' -> sb.append("\\040");
        case '\t' -> sb.append("\\011");
        case '\n' -> sb.append("\\012");
        case '\\' -> sb.append("\\134");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
