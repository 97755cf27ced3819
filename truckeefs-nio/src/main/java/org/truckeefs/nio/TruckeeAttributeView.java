package org.truckeefs.nio;

import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.TimeSpec;

/** The basic, posix and owner views of one path (one class: posix is basic plus owner). Reads nothing until used. */
final class TruckeeAttributeView implements PosixFileAttributeView {
  private final TruckeePath path;
  private final boolean follow;
  private final String name;

  TruckeeAttributeView(TruckeePath path, boolean follow, String name) {
    this.path = path;
    this.follow = follow;
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PosixFileAttributes readAttributes() throws IOException {
    return new TruckeeAttributes(TruckeeFileSystemProvider.stat(path, follow));
  }

  void setattr(SetAttr changes) throws IOException {
    InodeAttributes a = TruckeeFileSystemProvider.stat(path, follow);
    try {
      path.getFileSystem().fs().setattr(path.getFileSystem().caller(), a.id(), changes, -1);
    } catch (FsException e) {
      throw Errors.map(e, path.toString());
    }
  }

  /**
   * {@code createTime} cannot be changed (Linux keeps no settable birth time either), so it is ignored as the JDK
   * ignores it on Linux.
   */
  @Override
  public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) throws IOException {
    if (lastModifiedTime == null && lastAccessTime == null) {
      return;
    }
    setattr(SetAttr.times(lastAccessTime == null ? null : TimeSpec.at(lastAccessTime.toInstant()),
        lastModifiedTime == null ? null : TimeSpec.at(lastModifiedTime.toInstant())));
  }

  @Override
  public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
    InodeAttributes a = TruckeeFileSystemProvider.stat(path, follow);
    // Keep setuid/setgid/sticky: a permission set cannot express them.
    setattr(SetAttr.chmod((a.mode() & 07000) | TruckeeAttributes.mode(perms)));
  }

  @Override
  public void setGroup(GroupPrincipal group) throws IOException {
    setattr(SetAttr.chown(null, Principals.id(group)));
  }

  @Override
  public UserPrincipal getOwner() throws IOException {
    return readAttributes().owner();
  }

  @Override
  public void setOwner(UserPrincipal owner) throws IOException {
    setattr(SetAttr.chown(Principals.id(owner), null));
  }
}
