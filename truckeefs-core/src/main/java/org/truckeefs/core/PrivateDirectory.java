package org.truckeefs.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Directories and files only their owner can reach: the data, cache and blob directories hold plaintext content,
 * names and (in the metadata) every chunk's read cap.
 *
 * <p>A directory this code creates is made 0700 (and every missing parent with it). One that already exists is
 * never chmod-ed, as it may be shared on purpose (a 1777 scratch directory, a home): it is checked instead, and
 * refused when another user could replace what is in it (writable by group or others, or owned by someone else).
 * Files are made 0600 explicitly, not through the umask, which a library cannot set.
 */
final class PrivateDirectory {
  static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHER_WRITE =
      EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

  private PrivateDirectory() {}

  /**
   * Makes sure {@code dir} exists and is safe: created 0700 if missing (returning the directories created, outermost
   * first, so a failed start can remove them), otherwise checked. {@code setting} names the key a user changes.
   */
  static List<Path> prepare(Path dir, String setting) throws FsException {
    Path abs = dir.toAbsolutePath().normalize();
    List<Path> created = new ArrayList<>();
    try {
      if (Files.isDirectory(abs)) {
        check(abs, setting);
        return created;
      }
      List<Path> missing = new ArrayList<>();
      for (Path p = abs; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
        missing.add(0, p);
      }
      for (Path p : missing) {
        if (posix(p)) {
          Files.createDirectory(p, PosixFilePermissions.asFileAttribute(DIR));
          Files.setPosixFilePermissions(p, DIR); // creation modes pass through the umask; this does not
        } else {
          Files.createDirectory(p);
        }
        created.add(p);
      }
      if (!Files.isDirectory(abs)) {
        throw new FsException(FsError.NOT_DIRECTORY, setting + " " + abs + " is not a directory; set " + setting
            + " to a directory");
      }
      return created;
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw new FsException(FsError.IO, "cannot create " + setting + " " + abs + ": " + e.getClass().getSimpleName()
          + " " + e.getMessage() + " (check " + setting + ")", e);
    }
  }

  /** Refuses a directory another user could write into, or that someone else owns. */
  static void check(Path dir, String setting) throws FsException {
    if (!posix(dir)) {
      return;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
      int uid = (Integer) Files.getAttribute(dir, "unix:uid");
      OptionalInt self = currentUid();
      if (self.isPresent() && uid != self.getAsInt()) {
        throw new FsException(FsError.ACCESS_DENIED, setting + " " + dir + " is owned by uid " + uid
            + ", not by this user (uid " + self.getAsInt() + "); set " + setting + " to a directory you own");
      }
      if (perms.stream().anyMatch(GROUP_OR_OTHER_WRITE::contains)) {
        throw new FsException(FsError.ACCESS_DENIED, setting + " " + dir + " is writable by group or others (mode "
            + PosixFilePermissions.toString(perms) + "); run chmod go-w " + dir + " or set " + setting
            + " to a private directory");
      }
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw new FsException(FsError.IO, "cannot check " + setting + " " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Narrows an existing file of ours to 0600 (a database or lock file another version left readable). */
  static void makePrivateFile(Path file) throws IOException {
    if (posix(file) && Files.exists(file, LinkOption.NOFOLLOW_LINKS)
        && !Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).equals(FILE)) {
      Files.setPosixFilePermissions(file, FILE);
    }
  }

  /** For creating a file 0600 (at most: the umask can only take bits away). */
  static FileAttribute<?>[] fileAttributes(Path where) {
    return posix(where) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("unix");
  }

  /** This process's (effective) uid: the owner of {@code /proc/self} on Linux; empty elsewhere. */
  static OptionalInt currentUid() {
    try {
      return OptionalInt.of((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | RuntimeException e) {
      return OptionalInt.empty();
    }
  }
}
