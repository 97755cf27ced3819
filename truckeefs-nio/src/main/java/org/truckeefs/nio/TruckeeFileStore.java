package org.truckeefs.nio;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.truckeefs.api.FsException;
import org.truckeefs.api.StatFs;

/** The filesystem's one store; its numbers are {@code statvfs}'s. */
final class TruckeeFileStore extends FileStore {
  private final TruckeeFileSystem fs;

  TruckeeFileStore(TruckeeFileSystem fs) {
    this.fs = fs;
  }

  private StatFs stat() throws IOException {
    try {
      return fs.paths().statfs();
    } catch (FsException e) {
      throw Errors.map(e, "/");
    }
  }

  @Override
  public String name() {
    return fs.name();
  }

  @Override
  public String type() {
    return "truckeefs";
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public long getTotalSpace() throws IOException {
    StatFs s = stat();
    return s.totalBlocks() * s.blockSize();
  }

  @Override
  public long getUsableSpace() throws IOException {
    StatFs s = stat();
    return s.availableBlocks() * s.blockSize();
  }

  @Override
  public long getUnallocatedSpace() throws IOException {
    StatFs s = stat();
    return s.freeBlocks() * s.blockSize();
  }

  @Override
  public long getBlockSize() throws IOException {
    return stat().blockSize();
  }

  @Override
  public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
    return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class
        || type == FileOwnerAttributeView.class || type == UserDefinedFileAttributeView.class;
  }

  @Override
  public boolean supportsFileAttributeView(String name) {
    return TruckeeFileSystem.VIEWS.contains(name);
  }

  @Override
  public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
    return null;
  }

  @Override
  public Object getAttribute(String attribute) throws IOException {
    return switch (attribute) {
      case "totalSpace" -> getTotalSpace();
      case "usableSpace" -> getUsableSpace();
      case "unallocatedSpace" -> getUnallocatedSpace();
      default -> throw new UnsupportedOperationException("no file store attribute " + attribute);
    };
  }

  @Override
  public String toString() {
    return fs.name() + " (truckeefs)";
  }
}
