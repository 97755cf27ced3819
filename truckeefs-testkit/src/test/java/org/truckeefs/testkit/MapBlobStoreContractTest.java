package org.truckeefs.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;

/** Runs the contract on a trivial content-addressed map, so the contract itself is known to be satisfiable. */
class MapBlobStoreContractTest extends AbstractBlobStoreContractTest {

  @Override
  protected BlobStore createStore() {
    return new MapBlobStore();
  }

  private static final class MapBlobStore implements BlobStore {
    private final Map<BlobRef, byte[]> blobs = new ConcurrentHashMap<>();

    @Override
    public BlobRef put(ReadableByteChannel src, long size) throws FsException {
      ByteBuffer b = ByteBuffer.allocate((int) size);
      try {
        while (b.hasRemaining()) {
          if (src.read(b) < 0) {
            throw new FsException(FsError.IO, "channel ended after " + b.position() + " of " + size + " bytes");
          }
        }
      } catch (IOException e) {
        throw new FsException(FsError.IO, "read failed", e);
      }
      try {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(b.array());
        BlobRef ref = BlobRef.of("sha256:" + HexFormat.of().formatHex(digest));
        blobs.put(ref, b.array());
        return ref;
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    private byte[] get(BlobRef ref) throws FsException {
      byte[] b = blobs.get(ref);
      if (b == null) {
        throw FsException.notFound("no blob " + ref);
      }
      return b;
    }

    @Override
    public int read(BlobRef ref, long offset, ByteBuffer dst) throws FsException {
      byte[] b = get(ref);
      if (offset >= b.length) {
        return 0;
      }
      int n = (int) Math.min(dst.remaining(), b.length - offset);
      dst.put(b, (int) offset, n);
      return n;
    }

    @Override
    public long size(BlobRef ref) throws FsException {
      return get(ref).length;
    }

    @Override
    public void release(BlobRef ref) {
      blobs.remove(ref);
    }

    @Override
    public Set<BlobCapability> capabilities() {
      return EnumSet.of(BlobCapability.RANGE_READ, BlobCapability.DEDUPLICATING, BlobCapability.IMMEDIATE_RELEASE);
    }

    @Override
    public void close() {}
  }
}
