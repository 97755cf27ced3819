package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;

/**
 * Chunks are hashed while written only for a blob store that names blobs by SHA-256
 * ({@link BlobCapability#SHA256_NAMES}): for any other the digest would be computed for nothing.
 */
class DigestPolicyTest {
  @TempDir Path tmp;

  /** A local blob store that records the digest of every putFile and claims SHA-256 names or not. */
  static final class Recording implements BlobStore {
    final LocalBlobStore d;
    final boolean sha256Names;
    final List<Object> digests = new CopyOnWriteArrayList<>();

    Recording(Path dir, boolean sha256Names) throws FsException {
      this.d = new LocalBlobStore(dir);
      this.sha256Names = sha256Names;
    }

    @Override
    public BlobRef putFile(Path file, long size, byte[] sha256) throws FsException {
      digests.add(sha256 == null ? "none" : ByteBuffer.wrap(sha256.clone()));
      return d.putFile(file, size, sha256);
    }

    @Override
    public BlobRef put(ReadableByteChannel src, long size) throws FsException {
      return d.put(src, size);
    }

    @Override
    public int read(BlobRef ref, long offset, ByteBuffer dst) throws FsException {
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
      EnumSet<BlobCapability> c = EnumSet.copyOf(d.capabilities());
      if (!sha256Names) {
        c.remove(BlobCapability.SHA256_NAMES);
      }
      return c;
    }

    @Override
    public void close() {}
  }

  private List<Object> digestsOfAnFsyncedFile(boolean sha256Names) throws Exception {
    Recording blobs = new Recording(tmp.resolve("blobs-" + sha256Names), sha256Names);
    TestFs t = new TestFs(tmp.resolve("fs-" + sha256Names), blobs);
    try (RiverFS fs = t.open()) {
      long h = TestFs.createFile(fs, "f");
      TestFs.write(fs, h, 0, TestFs.pattern(2 * TestFs.CHUNK, 1));
      fs.fsync(h, false);
      fs.release(h);
    }
    return blobs.digests;
  }

  @Test
  void theLocalBlobStore_namesBlobsBySha256() throws Exception {
    assertThat(new LocalBlobStore(tmp.resolve("b")).capabilities()).contains(BlobCapability.SHA256_NAMES);
  }

  @Test
  void aStoreThatNamesBlobsBySha256_getsTheDigestOfEveryChunkWrittenInOrder() throws Exception {
    byte[] data = TestFs.pattern(2 * TestFs.CHUNK, 1);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(data, 0, TestFs.CHUNK);
    ByteBuffer first = ByteBuffer.wrap(sha.digest());
    sha.update(data, TestFs.CHUNK, TestFs.CHUNK);
    ByteBuffer second = ByteBuffer.wrap(sha.digest());
    assertThat(digestsOfAnFsyncedFile(true)).containsExactlyInAnyOrder(first, second);
  }

  @Test
  void aStoreThatNamesBlobsOtherwise_getsNoDigest_soNoneIsComputed() throws Exception {
    assertThat(digestsOfAnFsyncedFile(false)).containsExactly("none", "none");
  }
}
