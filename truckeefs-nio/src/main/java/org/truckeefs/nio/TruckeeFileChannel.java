package org.truckeefs.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.SetAttr;

/**
 * A {@link FileChannel} on one open handle of the filesystem. Closing it is {@code close(2)}: the data becomes
 * durable in the cache (force() waits for the blob store). Locks are POSIX record locks owned by this channel, so
 * two channels conflict even in one JVM (tryLock answers null instead of OverlappingFileLockException).
 */
final class TruckeeFileChannel extends FileChannel {
  private static final AtomicLong OWNERS = new AtomicLong(ProcessHandle.current().pid() << 20);
  private static final int TRANSFER_SIZE = 1 << 20;

  private final FileSystem fs;
  private final org.truckeefs.api.Caller caller;
  private final long handle;
  private final InodeId inode;
  private final String path;
  private final boolean readable;
  private final boolean writable;
  private final boolean append;
  private final boolean sync;
  private final Runnable onClose;
  private final long lockOwner = OWNERS.incrementAndGet();
  private final Object positionLock = new Object();
  private long position;

  TruckeeFileChannel(FileSystem fs, org.truckeefs.api.Caller caller, long handle, InodeId inode, String path,
      boolean readable, boolean writable, boolean append, boolean sync, Runnable onClose) {
    this.fs = fs;
    this.caller = caller;
    this.handle = handle;
    this.inode = inode;
    this.path = path;
    this.readable = readable;
    this.writable = writable;
    this.append = append;
    this.sync = sync;
    this.onClose = onClose;
  }

  private void checkOpen() throws ClosedChannelException {
    if (!isOpen()) {
      throw new ClosedChannelException();
    }
  }

  private void checkRead() throws ClosedChannelException {
    checkOpen();
    if (!readable) {
      throw new NonReadableChannelException();
    }
  }

  private void checkWrite() throws ClosedChannelException {
    checkOpen();
    if (!writable) {
      throw new NonWritableChannelException();
    }
  }

  private IOException map(FsException e) {
    return Errors.map(e, path);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    checkRead();
    synchronized (positionLock) {
      int n = read(dst, position);
      if (n > 0) {
        position += n;
      }
      return n;
    }
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    long total = 0;
    synchronized (positionLock) {
      for (int i = offset; i < offset + length; i++) {
        if (!dsts[i].hasRemaining()) {
          continue;
        }
        int n = read(dsts[i]);
        if (n < 0) {
          return total == 0 ? -1 : total;
        }
        total += n;
        if (dsts[i].hasRemaining()) {
          break;
        }
      }
    }
    return total;
  }

  @Override
  public int read(ByteBuffer dst, long pos) throws IOException {
    if (pos < 0) {
      throw new IllegalArgumentException("negative position");
    }
    checkRead();
    if (!dst.hasRemaining()) {
      return 0;
    }
    try {
      int n = fs.read(handle, pos, dst);
      return n <= 0 ? -1 : n;
    } catch (FsException e) {
      throw map(e);
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    checkWrite();
    synchronized (positionLock) {
      long at = append ? size() : position;
      int n = writeAt(src, at);
      position = append ? size() : at + n;
      return n;
    }
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    synchronized (positionLock) {
      for (int i = offset; i < offset + length; i++) {
        total += write(srcs[i]);
      }
    }
    return total;
  }

  @Override
  public int write(ByteBuffer src, long pos) throws IOException {
    if (pos < 0) {
      throw new IllegalArgumentException("negative position");
    }
    checkWrite();
    return writeAt(src, pos);
  }

  private int writeAt(ByteBuffer src, long pos) throws IOException {
    int total = 0;
    try {
      while (src.hasRemaining()) {
        int n = fs.write(handle, pos + total, src);
        if (n <= 0) {
          throw new FsException(FsError.IO, "write made no progress");
        }
        total += n;
      }
      if (sync) {
        fs.fsync(handle, false);
      }
    } catch (FsException e) {
      throw map(e);
    }
    return total;
  }

  @Override
  public long position() throws IOException {
    checkOpen();
    synchronized (positionLock) {
      return position;
    }
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position");
    }
    checkOpen();
    synchronized (positionLock) {
      position = newPosition;
    }
    return this;
  }

  @Override
  public long size() throws IOException {
    checkOpen();
    try {
      return fs.getattr(inode).size();
    } catch (FsException e) {
      throw map(e);
    }
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    if (size < 0) {
      throw new IllegalArgumentException("negative size");
    }
    checkWrite();
    synchronized (positionLock) {
      if (size < size()) {
        try {
          fs.setattr(caller, inode, SetAttr.truncate(size), handle);
        } catch (FsException e) {
          throw map(e);
        }
      }
      if (position > size) {
        position = size;
      }
    }
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    checkOpen();
    try {
      fs.fsync(handle, !metaData);
    } catch (FsException e) {
      throw map(e);
    }
  }

  @Override
  public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
    checkRead();
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(TRANSFER_SIZE, Math.max(1, count)));
    long done = 0;
    while (done < count) {
      buf.clear().limit((int) Math.min(buf.capacity(), count - done));
      int n = read(buf, pos + done);
      if (n <= 0) {
        break;
      }
      buf.flip();
      while (buf.hasRemaining()) {
        target.write(buf);
      }
      done += n;
    }
    return done;
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long pos, long count) throws IOException {
    checkWrite();
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(TRANSFER_SIZE, Math.max(1, count)));
    long done = 0;
    while (done < count) {
      buf.clear().limit((int) Math.min(buf.capacity(), count - done));
      int n = src.read(buf);
      if (n <= 0) {
        break;
      }
      buf.flip();
      done += writeAt(buf, pos + done);
    }
    return done;
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long pos, long size) throws IOException {
    throw new UnsupportedOperationException("memory-mapping a TruckeeFS file is not supported (use read/write)");
  }

  @Override
  public FileLock lock(long pos, long size, boolean shared) throws IOException {
    return acquire(pos, size, shared, true);
  }

  @Override
  public FileLock tryLock(long pos, long size, boolean shared) throws IOException {
    return acquire(pos, size, shared, false);
  }

  private FileLock acquire(long pos, long size, boolean shared, boolean wait) throws IOException {
    if (pos < 0 || size < 0) {
      throw new IllegalArgumentException("negative position or size");
    }
    if (shared) {
      checkRead();
    } else {
      checkWrite();
    }
    LockRange range = range(shared ? LockRange.Type.READ : LockRange.Type.WRITE, pos, size);
    try {
      fs.setlk(handle, lockOwner, range, wait);
    } catch (FsException e) {
      if (!wait && (e.error() == FsError.AGAIN || e.error() == FsError.ACCESS_DENIED)) {
        return null;
      }
      throw map(e);
    }
    return new Lock(pos, size, shared);
  }

  private static LockRange range(LockRange.Type type, long pos, long size) {
    long end = size == 0 || pos + size < 0 ? Long.MAX_VALUE : pos + size - 1;
    return new LockRange(type, pos, end, ProcessHandle.current().pid());
  }

  private final class Lock extends FileLock {
    private volatile boolean valid = true;

    Lock(long pos, long size, boolean shared) {
      super(TruckeeFileChannel.this, pos, size, shared);
    }

    @Override
    public boolean isValid() {
      return valid && TruckeeFileChannel.this.isOpen();
    }

    @Override
    public void release() throws IOException {
      if (!valid) {
        return;
      }
      checkOpen();
      try {
        fs.setlk(handle, lockOwner, range(LockRange.Type.UNLOCK, position(), size()), false);
      } catch (FsException e) {
        throw map(e);
      }
      valid = false;
    }
  }

  @Override
  protected void implCloseChannel() throws IOException {
    FsException failure = null;
    try {
      fs.flush(handle, lockOwner);
    } catch (FsException e) {
      failure = e;
    }
    try {
      fs.release(handle);
    } catch (FsException e) {
      if (failure == null) {
        failure = e;
      }
    }
    if (onClose != null) {
      onClose.run();
    }
    if (failure != null) {
      throw map(failure);
    }
  }
}
