package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;

/**
 * The behaviour every {@link BlobStore} shares. A backend's test extends this and supplies {@link #createStore()};
 * it may use {@link #tmp} for local files. Capability-specific tests (deduplication, immediate release) run only
 * when the store declares the capability.
 */
public abstract class AbstractBlobStoreContractTest {
  /** A fresh directory per test, for stores that keep local files. */
  @TempDir protected Path tmp;

  protected BlobStore store;

  /** A new, empty store. Called once per test; closed after it. */
  protected abstract BlobStore createStore() throws Exception;

  /**
   * Size of the "large blob" test: big enough to cross the store's internal boundaries (upload segments,
   * read buffers). Override for stores with bigger boundaries.
   */
  protected int largeBlobSize() {
    return 3 * 1024 * 1024 + 17;
  }

  /** Threads in the concurrency test. */
  protected int concurrency() {
    return 8;
  }

  @BeforeEach
  void openStore() throws Exception {
    store = createStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store != null) {
      store.close();
    }
  }

  protected static byte[] randomBytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  protected BlobRef put(byte[] content) throws FsException {
    return store.put(Channels.newChannel(new ByteArrayInputStream(content)), content.length);
  }

  /** Reads {@code length} bytes at {@code offset} (fewer at the end of the blob), looping over short reads. */
  protected byte[] read(BlobRef ref, long offset, int length) throws FsException {
    ByteBuffer dst = ByteBuffer.allocate(length);
    long pos = offset;
    while (dst.hasRemaining()) {
      int n = store.read(ref, pos, dst);
      if (n <= 0) {
        break;
      }
      pos += n;
    }
    return Arrays.copyOf(dst.array(), dst.position());
  }

  @Test
  void put_thenRead_returnsTheSameBytes() throws Exception {
    byte[] content = randomBytes(1, 10_000);
    BlobRef ref = put(content);
    assertThat(read(ref, 0, content.length)).isEqualTo(content);
  }

  @Test
  void size_isTheStoredLength() throws Exception {
    BlobRef ref = put(randomBytes(2, 12_345));
    assertThat(store.size(ref)).isEqualTo(12_345);
  }

  @Test
  void read_ofARange_returnsExactlyThatRange() throws Exception {
    byte[] content = randomBytes(3, 50_000);
    BlobRef ref = put(content);
    assertThat(read(ref, 1000, 300)).isEqualTo(Arrays.copyOfRange(content, 1000, 1300));
    assertThat(read(ref, 0, 1)).isEqualTo(Arrays.copyOfRange(content, 0, 1));
    assertThat(read(ref, 49_999, 1)).isEqualTo(Arrays.copyOfRange(content, 49_999, 50_000));
  }

  @Test
  void read_crossingTheEnd_returnsOnlyTheBytesThatExist() throws Exception {
    byte[] content = randomBytes(4, 1000);
    BlobRef ref = put(content);
    ByteBuffer dst = ByteBuffer.allocate(500);
    int n = store.read(ref, 800, dst);
    assertThat(n).isBetween(1, 200);
    assertThat(read(ref, 800, 500)).isEqualTo(Arrays.copyOfRange(content, 800, 1000));
  }

  @Test
  void read_atOrPastTheEnd_returnsZero() throws Exception {
    BlobRef ref = put(randomBytes(5, 1000));
    assertThat(store.read(ref, 1000, ByteBuffer.allocate(10))).isZero();
    assertThat(store.read(ref, 5000, ByteBuffer.allocate(10))).isZero();
  }

  @Test
  void read_intoAFullBuffer_returnsZeroAndDoesNotFail() throws Exception {
    BlobRef ref = put(randomBytes(6, 100));
    assertThat(store.read(ref, 0, ByteBuffer.allocate(0))).isZero();
  }

  @Test
  void emptyBlob_canBeStoredAndRead() throws Exception {
    BlobRef ref = put(new byte[0]);
    assertThat(store.size(ref)).isZero();
    assertThat(store.read(ref, 0, ByteBuffer.allocate(10))).isZero();
  }

  @Test
  void largeBlob_readsBackAcrossInternalBoundaries() throws Exception {
    int size = largeBlobSize();
    byte[] content = randomBytes(7, size);
    BlobRef ref = put(content);
    assertThat(store.size(ref)).isEqualTo(size);
    assertThat(read(ref, 0, size)).isEqualTo(content);
    // Ranges straddling every power-of-two boundary from 4 KiB up.
    for (int boundary = 4096; boundary < size; boundary *= 2) {
      int from = boundary - 100;
      assertThat(read(ref, from, 200)).as("range around %d", boundary)
          .isEqualTo(Arrays.copyOfRange(content, from, from + 200));
    }
    assertThat(read(ref, size - 10, 100)).isEqualTo(Arrays.copyOfRange(content, size - 10, size));
  }

  @Test
  void put_consumesExactlySizeBytesFromTheChannel() throws Exception {
    byte[] content = randomBytes(8, 2000);
    ReadableByteChannel ch = Channels.newChannel(new ByteArrayInputStream(content));
    BlobRef ref = store.put(ch, 1500);
    assertThat(store.size(ref)).isEqualTo(1500);
    assertThat(read(ref, 0, 1500)).isEqualTo(Arrays.copyOf(content, 1500));
  }

  @Test
  void put_withAShortChannel_fails() {
    byte[] content = randomBytes(9, 100);
    assertThatThrownBy(() -> store.put(Channels.newChannel(new ByteArrayInputStream(content)), 200))
        .isInstanceOf(FsException.class);
  }

  @Test
  void differentContent_getsDifferentReferences() throws Exception {
    BlobRef a = put(randomBytes(10, 1000));
    BlobRef b = put(randomBytes(11, 1000));
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void release_isIdempotent() throws Exception {
    BlobRef ref = put(randomBytes(12, 100));
    store.release(ref);
    assertThatCode(() -> store.release(ref)).doesNotThrowAnyException();
  }

  @Test
  void release_leavesOtherBlobsReadable() throws Exception {
    byte[] keep = randomBytes(13, 3000);
    BlobRef kept = put(keep);
    BlobRef dropped = put(randomBytes(14, 3000));
    store.release(dropped);
    assertThat(read(kept, 0, keep.length)).isEqualTo(keep);
  }

  /**
   * {@link BlobCapability#IMMEDIATE_RELEASE}: a released blob is gone at once. Without it space returns by lease
   * expiry, so the store must hold leases and the blob stays readable until its lease runs out.
   */
  @Test
  void release_freesTheBlobNow_orLeavesItToItsLease() throws Exception {
    byte[] content = randomBytes(15, 100);
    BlobRef ref = put(content);
    store.release(ref);
    if (store.capabilities().contains(BlobCapability.IMMEDIATE_RELEASE)) {
      assertThatThrownBy(() -> store.read(ref, 0, ByteBuffer.allocate(100))).isInstanceOf(FsException.class);
    } else {
      assertThat(store.capabilities()).contains(BlobCapability.LEASES);
      assertThat(read(ref, 0, content.length)).isEqualTo(content);
    }
  }

  /** {@link BlobCapability#DEDUPLICATING}: identical content, one reference; without it, each put reads back. */
  @Test
  void identicalContent_getsTheSameReference_whenTheStoreDeduplicates() throws Exception {
    byte[] content = randomBytes(16, 5000);
    BlobRef a = put(content);
    BlobRef b = put(content.clone());
    if (store.capabilities().contains(BlobCapability.DEDUPLICATING)) {
      assertThat(b).isEqualTo(a);
    }
    assertThat(read(a, 0, content.length)).isEqualTo(content);
    assertThat(read(b, 0, content.length)).isEqualTo(content);
  }

  private Path fileWith(byte[] content) throws Exception {
    Path f = Files.createTempFile(tmp, "sealed", ".chunk");
    Files.write(f, content);
    return f;
  }

  private static byte[] sha256(byte[] content) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(content);
  }

  @Test
  void putFile_thenRead_returnsTheFilesBytes_evenAfterTheFileIsDeleted() throws Exception {
    byte[] content = randomBytes(18, 70_000);
    Path f = fileWith(content);
    BlobRef ref = store.putFile(f, content.length);
    Files.delete(f); // the caller may drop its own name once stored
    assertThat(store.size(ref)).isEqualTo(content.length);
    assertThat(read(ref, 0, content.length)).isEqualTo(content);
  }

  @Test
  void putFile_withAKnownDigest_storesTheSameBlobAsWithout() throws Exception {
    byte[] content = randomBytes(19, 100_000);
    BlobRef known = store.putFile(fileWith(content), content.length, sha256(content));
    assertThat(read(known, 0, content.length)).isEqualTo(content);
    BlobRef unknown = store.putFile(fileWith(content), content.length, null);
    assertThat(read(unknown, 0, content.length)).isEqualTo(content);
    if (store.capabilities().contains(BlobCapability.DEDUPLICATING)) {
      assertThat(known).isEqualTo(unknown).isEqualTo(put(content));
    }
  }

  @Test
  void putBytes_storesTheBuffersRemainingBytes_andLeavesTheBufferAsItWas() throws Exception {
    byte[] content = randomBytes(21, 5000);
    ByteBuffer b = ByteBuffer.wrap(content, 100, 4000);
    BlobRef ref = store.putBytes(b);
    assertThat(b.position()).isEqualTo(100);
    assertThat(b.remaining()).isEqualTo(4000);
    assertThat(store.size(ref)).isEqualTo(4000);
    assertThat(read(ref, 0, 4000)).isEqualTo(java.util.Arrays.copyOfRange(content, 100, 4100));
    if (store.capabilities().contains(BlobCapability.DEDUPLICATING)) {
      assertThat(store.putBytes(ByteBuffer.wrap(java.util.Arrays.copyOfRange(content, 100, 4100)).asReadOnlyBuffer()))
          .as("the same bytes again, from a read-only buffer").isEqualTo(ref);
    }
    assertThat(store.size(store.putBytes(ByteBuffer.allocate(0)))).isZero();
  }

  @Test
  void putFile_withAKnownDigest_ofAnEmptyFile() throws Exception {
    BlobRef ref = store.putFile(fileWith(new byte[0]), 0, sha256(new byte[0]));
    assertThat(store.size(ref)).isZero();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void concurrentPutFiles_withKnownDigests_eachReadBack() throws Exception {
    inEveryThread(id -> {
      for (int i = 0; i < 10; i++) {
        byte[] content = randomBytes(5000L * id + i, 3000 + 31 * i);
        BlobRef ref = store.putFile(fileWith(content), content.length, sha256(content));
        assertThat(read(ref, 0, content.length)).isEqualTo(content);
        byte[] shared = randomBytes(-100 - i, 4096); // the same content from every thread at once
        assertThat(read(store.putFile(fileWith(shared), shared.length, sha256(shared)), 0, shared.length))
            .isEqualTo(shared);
      }
      return null;
    });
  }

  @Test
  void blobRefToString_doesNotRevealTheReference() throws Exception {
    BlobRef ref = put(randomBytes(17, 10));
    assertThat(ref.toString()).doesNotContain(ref.value());
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void concurrentPutsAndReads_eachSeeTheirOwnContent() throws Exception {
    List<Set<BlobRef>> results = inEveryThread(id -> {
      Set<BlobRef> refs = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        byte[] content = randomBytes(1000L * id + i, 1000 + 97 * i);
        BlobRef ref = put(content);
        refs.add(ref);
        assertThat(read(ref, 0, content.length)).isEqualTo(content);
        // Identical content across threads: with or without dedup each must read back correctly.
        byte[] shared = randomBytes(-i, 2048);
        assertThat(read(put(shared), 0, shared.length)).isEqualTo(shared);
      }
      return refs;
    });
    Set<BlobRef> all = new HashSet<>();
    for (Set<BlobRef> refs : results) {
      assertThat(refs).hasSize(20);
      all.addAll(refs);
    }
    assertThat(all).hasSize(concurrency() * 20);
  }

  /** Runs {@code task} in {@link #concurrency()} threads at once (each given its index) and returns their results. */
  private <T> List<T> inEveryThread(ThreadTask<T> task) throws Exception {
    int threads = concurrency();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        futures.add(pool.submit(() -> task.run(id)));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get(60, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private interface ThreadTask<T> {
    T run(int id) throws Exception;
  }
}
