package org.truckeefs.nio;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.truckeefs.api.InodeAttributes;

/** An inode's attributes as {@link PosixFileAttributes}; {@link #fileKey} is the inode number. */
final class TruckeeAttributes implements PosixFileAttributes {
  private static final PosixFilePermission[] BITS = {
    PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
  };

  private final InodeAttributes a;

  TruckeeAttributes(InodeAttributes a) {
    this.a = a;
  }

  InodeAttributes inode() {
    return a;
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    for (int i = 0; i < BITS.length; i++) {
      if ((mode & (1 << i)) != 0) {
        out.add(BITS[i]);
      }
    }
    return out;
  }

  static int mode(Set<PosixFilePermission> perms) {
    int mode = 0;
    for (int i = 0; i < BITS.length; i++) {
      if (perms.contains(BITS[i])) {
        mode |= 1 << i;
      }
    }
    return mode;
  }

  @Override
  public UserPrincipal owner() {
    return new Principals.User(a.uid());
  }

  @Override
  public GroupPrincipal group() {
    return new Principals.Group(a.gid());
  }

  @Override
  public Set<PosixFilePermission> permissions() {
    return permissions(a.mode());
  }

  @Override
  public FileTime lastModifiedTime() {
    return FileTime.from(a.mtime());
  }

  @Override
  public FileTime lastAccessTime() {
    return FileTime.from(a.atime());
  }

  @Override
  public FileTime creationTime() {
    return FileTime.from(a.crtime());
  }

  @Override
  public boolean isRegularFile() {
    return a.isFile();
  }

  @Override
  public boolean isDirectory() {
    return a.isDirectory();
  }

  @Override
  public boolean isSymbolicLink() {
    return a.isSymlink();
  }

  @Override
  public boolean isOther() {
    return !a.isFile() && !a.isDirectory() && !a.isSymlink();
  }

  @Override
  public long size() {
    return a.size();
  }

  @Override
  public Object fileKey() {
    return a.id().value();
  }

  /** The named attributes of one view, as {@code Files.readAttributes(path, "view:a,b")} returns them. */
  Map<String, Object> asMap(String view) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("lastModifiedTime", lastModifiedTime());
    m.put("lastAccessTime", lastAccessTime());
    m.put("creationTime", creationTime());
    m.put("size", size());
    m.put("isRegularFile", isRegularFile());
    m.put("isDirectory", isDirectory());
    m.put("isSymbolicLink", isSymbolicLink());
    m.put("isOther", isOther());
    m.put("fileKey", fileKey());
    if (view.equals("owner")) {
      m.clear();
      m.put("owner", owner());
      return m;
    }
    if (view.equals("posix") || view.equals("unix")) {
      m.put("owner", owner());
      m.put("group", group());
      m.put("permissions", permissions());
    }
    if (view.equals("unix")) {
      m.put("mode", a.stMode());
      m.put("ino", a.id().value());
      m.put("dev", 0L);
      m.put("rdev", a.rdev());
      m.put("nlink", (int) a.nlink());
      m.put("uid", a.uid());
      m.put("gid", a.gid());
      m.put("ctime", FileTime.from(a.ctime()));
    }
    return m;
  }
}
