package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.spi.BlobCapability;

/**
 * Chunks are hashed while written only for a blob store that names blobs by SHA-256
 * ({@link BlobCapability#SHA256_NAMES}): for any other the digest would be computed for nothing.
 */
class DigestPolicyTest {
  @TempDir Path tmp;

  private List<Object> digestsOfAnFsyncedFile(boolean sha256Names) throws Exception {
    ControlledBlobStore blobs = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs-" + sha256Names)));
    blobs.hideSha256Names = !sha256Names;
    TestFs t = new TestFs(tmp.resolve("fs-" + sha256Names), blobs);
    try (RiverFS fs = RiverFS.open(t.config().dirtyMemory(0).build())) { // chunks in files: their puts hash
      long h = TestFs.createFile(fs, "f");
      TestFs.write(fs, h, 0, TestFs.pattern(2 * TestFs.CHUNK, 1));
      fs.fsync(h, false);
      fs.release(h);
    }
    return blobs.putFileDigests.stream().map(d -> d == null ? (Object) "none" : ByteBuffer.wrap(d)).toList();
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

  /** The policy is the store's, fixed for its life: asked once, not at every open (on a mount, a call per create). */
  @Test
  void theStoreIsAskedOnce_notAtEveryOpen() throws Exception {
    ControlledBlobStore blobs = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs-once")));
    TestFs t = new TestFs(tmp.resolve("fs-once"), blobs);
    try (RiverFS fs = t.open()) {
      int before = blobs.capabilityCalls.get();
      for (int i = 0; i < 20; i++) {
        long h = TestFs.createFile(fs, "f" + i);
        TestFs.write(fs, h, 0, TestFs.pattern(100, i));
        fs.release(h);
      }
      assertThat(blobs.capabilityCalls.get()).isEqualTo(before);
    }
  }

  @Test
  void smallChunksKeptInMemory_arePutFromMemory_withoutAFileOrADigest() throws Exception {
    ControlledBlobStore blobs = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs-mem")));
    TestFs t = new TestFs(tmp.resolve("fs-mem"), blobs);
    byte[] data = TestFs.pattern(2 * TestFs.CHUNK, 1);
    try (RiverFS fs = t.open()) {
      long h = TestFs.createFile(fs, "f");
      TestFs.write(fs, h, 0, data);
      fs.fsync(h, false);
      fs.release(h);
      assertThat(blobs.putBytesCalls.get()).isEqualTo(2);
      assertThat(blobs.putFileDigests).isEmpty();
      long r = fs.open(TestFs.ROOT, TestFs.lookup(fs, "f").id(), org.truckeefs.api.OpenFlags.READ).handle();
      assertThat(TestFs.read(fs, r, 0, data.length)).isEqualTo(data);
      fs.release(r);
    }
  }
}
