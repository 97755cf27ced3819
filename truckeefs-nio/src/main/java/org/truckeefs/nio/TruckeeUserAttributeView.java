package org.truckeefs.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.XattrMode;

/** User-defined attributes are the {@code user.} namespace of the file's extended attributes, as on Linux. */
final class TruckeeUserAttributeView implements UserDefinedFileAttributeView {
  private static final String PREFIX = "user.";
  private final TruckeePath path;
  private final boolean follow;

  TruckeeUserAttributeView(TruckeePath path, boolean follow) {
    this.path = path;
    this.follow = follow;
  }

  @Override
  public String name() {
    return "user";
  }

  private InodeAttributes inode() throws IOException {
    return TruckeeFileSystemProvider.stat(path, follow);
  }

  private org.truckeefs.api.FileSystem fs() {
    return path.getFileSystem().fs();
  }

  @Override
  public List<String> list() throws IOException {
    try {
      List<String> out = new ArrayList<>();
      for (String n : fs().listxattr(path.getFileSystem().caller(), inode().id())) {
        if (n.startsWith(PREFIX)) {
          out.add(n.substring(PREFIX.length()));
        }
      }
      return out;
    } catch (FsException e) {
      throw Errors.map(e, path.toString());
    }
  }

  private byte[] get(String name) throws IOException {
    try {
      return fs().getxattr(path.getFileSystem().caller(), inode().id(), PREFIX + name);
    } catch (FsException e) {
      if (e.error() == FsError.NO_DATA) {
        throw new FileSystemException(path.toString(), null, "no attribute " + name);
      }
      throw Errors.map(e, path.toString());
    }
  }

  @Override
  public int size(String name) throws IOException {
    return get(name).length;
  }

  @Override
  public int read(String name, ByteBuffer dst) throws IOException {
    byte[] v = get(name);
    if (dst.remaining() < v.length) {
      throw new FileSystemException(path.toString(), null, "buffer too small for attribute " + name);
    }
    dst.put(v);
    return v.length;
  }

  @Override
  public int write(String name, ByteBuffer src) throws IOException {
    byte[] v = new byte[src.remaining()];
    src.get(v);
    try {
      fs().setxattr(path.getFileSystem().caller(), inode().id(), PREFIX + name, v, XattrMode.EITHER);
    } catch (FsException e) {
      throw Errors.map(e, path.toString());
    }
    return v.length;
  }

  @Override
  public void delete(String name) throws IOException {
    try {
      fs().removexattr(path.getFileSystem().caller(), inode().id(), PREFIX + name);
    } catch (FsException e) {
      if (e.error() == FsError.NO_DATA) {
        throw new FileSystemException(path.toString(), null, "no attribute " + name);
      }
      throw Errors.map(e, path.toString());
    }
  }

  /** {@code Files.readAttributes(path, "user:a,b")} or {@code "user:*"}: name to value bytes. */
  Map<String, Object> readAll(String names) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String n : names.equals("*") ? list() : List.of(names.split(","))) {
      out.put(n, get(n));
    }
    return out;
  }
}
