package org.truckeefs.core;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;

/** A BlobStore wrapper that counts calls, records read ranges, and can fail or block puts (and block reads) on demand. */
final class ControlledBlobStore implements BlobStore {
  record ReadCall(BlobRef ref, long offset, int length) {}

  private final BlobStore d;
  final AtomicInteger puts = new AtomicInteger();
  final AtomicInteger reads = new AtomicInteger();
  final List<ReadCall> readCalls = new CopyOnWriteArrayList<>();
  volatile boolean failPuts;
  /** When set, each put takes a permit first (tests release permits to let uploads through). */
  volatile Semaphore putGate;
  final AtomicInteger waitingPuts = new AtomicInteger();
  /** The most puts ever waiting at the gate at once. */
  final AtomicInteger maxWaitingPuts = new AtomicInteger();
  /** When set, each read takes a permit first. */
  volatile Semaphore readGate;
  final AtomicInteger waitingReads = new AtomicInteger();
  /** The digest handed to each putFile, in call order (null: none was given). */
  final List<byte[]> putFileDigests = new CopyOnWriteArrayList<>();
  /** Puts of chunks kept in memory ({@link BlobStore#putBytes}). */
  final AtomicInteger putBytesCalls = new AtomicInteger();
  /** When set, the wrapped store's {@link BlobCapability#SHA256_NAMES} is hidden: a store that names blobs otherwise. */
  volatile boolean hideSha256Names;
  /** When set, each put takes a permit once the wrapped store returned (the blob is stored, not yet committed). */
  volatile Semaphore afterPutGate;
  final AtomicInteger waitingAfterPut = new AtomicInteger();
  /** When set, {@link #nameOf} is the wrapped store's (so a sole host releases blobs promptly); else empty. */
  volatile boolean nameByDigest;
  final AtomicInteger capabilityCalls = new AtomicInteger();

  ControlledBlobStore(BlobStore d) {
    this.d = d;
  }

  @Override
  public BlobRef put(ReadableByteChannel src, long size) throws FsException {
    Semaphore gate = putGate;
    if (gate != null) {
      maxWaitingPuts.accumulateAndGet(waitingPuts.incrementAndGet(), Math::max);
      try {
        gate.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FsException(FsError.INTERRUPTED, "interrupted");
      } finally {
        waitingPuts.decrementAndGet();
      }
    }
    if (failPuts) {
      throw new FsException(FsError.IO, "blob store unavailable (test)");
    }
    puts.incrementAndGet();
    BlobRef ref = d.put(src, size);
    Semaphore after = afterPutGate;
    if (after != null) {
      waitingAfterPut.incrementAndGet();
      try {
        after.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FsException(FsError.INTERRUPTED, "interrupted");
      } finally {
        waitingAfterPut.decrementAndGet();
      }
    }
    return ref;
  }

  @Override
  public boolean holds(byte[] sha256) {
    return d.holds(sha256);
  }

  /** Records the digest, then streams the file through {@link #put} as the default does (gated and counted). */
  @Override
  public BlobRef putFile(Path file, long size, byte[] sha256) throws FsException {
    putFileDigests.add(sha256 == null ? null : sha256.clone());
    return BlobStore.super.putFile(file, size, sha256);
  }

  /** Counts, then streams the bytes through {@link #put} as the default does (gated and counted). */
  @Override
  public BlobRef putBytes(ByteBuffer bytes) throws FsException {
    putBytesCalls.incrementAndGet();
    return BlobStore.super.putBytes(bytes);
  }

  @Override
  public java.util.Optional<BlobRef> nameOf(byte[] sha256) {
    return nameByDigest ? d.nameOf(sha256) : java.util.Optional.empty();
  }

  /** Forwarded: the wrapped local store defers forcing its puts to here. */
  @Override
  public void sync() throws FsException {
    d.sync();
  }

  @Override
  public int read(BlobRef ref, long offset, ByteBuffer dst) throws FsException {
    Semaphore gate = readGate;
    if (gate != null) {
      waitingReads.incrementAndGet();
      try {
        gate.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FsException(FsError.INTERRUPTED, "interrupted");
      } finally {
        waitingReads.decrementAndGet();
      }
    }
    reads.incrementAndGet();
    readCalls.add(new ReadCall(ref, offset, dst.remaining()));
    return d.read(ref, offset, dst);
  }

  @Override
  public long size(BlobRef ref) throws FsException {
    return d.size(ref);
  }

  @Override
  public void release(BlobRef ref) throws FsException {
    d.release(ref);
  }

  @Override
  public Set<BlobCapability> capabilities() {
    capabilityCalls.incrementAndGet();
    if (!hideSha256Names) {
      return d.capabilities();
    }
    EnumSet<BlobCapability> c = EnumSet.noneOf(BlobCapability.class);
    c.addAll(d.capabilities());
    c.remove(BlobCapability.SHA256_NAMES);
    return c;
  }

  @Override
  public long availableBytes() throws FsException {
    return d.availableBytes();
  }

  @Override
  public void close() {}
}
