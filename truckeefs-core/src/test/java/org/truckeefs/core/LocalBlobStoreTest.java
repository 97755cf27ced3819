package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.truckeefs.core.NamespaceTest.assertErrno;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;

class LocalBlobStoreTest {
  @TempDir Path dir;

  BlobRef put(LocalBlobStore s, byte[] data) throws Exception {
    return s.put(Channels.newChannel(new ByteArrayInputStream(data)), data.length);
  }

  long blobFiles() throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void identicalContent_isStoredOnce() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir);
    BlobRef a = put(s, TestFs.bytes("same bytes"));
    BlobRef b = put(s, TestFs.bytes("same bytes"));
    assertThat(a).isEqualTo(b);
    assertThat(blobFiles()).isEqualTo(1);
    assertThat(s.capabilities()).contains(BlobCapability.DEDUPLICATING, BlobCapability.IMMEDIATE_RELEASE);
  }

  @Test
  void putFile_onTheSameFilesystem_takesTheFileByHardLink_notASecondCopy() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir.resolve("blobs"));
    Path sealed = dir.resolve("sealed-chunk");
    byte[] data = TestFs.pattern(300_000, 3);
    Files.write(sealed, data);
    BlobRef r = s.putFile(sealed, data.length);
    assertThat(s.localFile(r).isPresent() ? s.localFile(r).get() : blobPath(r)).satisfies(blob -> {
      assertThat(Files.getAttribute(blob, "unix:ino")).isEqualTo(Files.getAttribute(sealed, "unix:ino"));
      assertThat(Files.getPosixFilePermissions(blob)).containsOnly(
          java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    });
    assertThat(r).isEqualTo(put(s, data)).as("named by content, as put names it");
    Files.delete(sealed); // the cache may drop its own name
    ByteBuffer b = ByteBuffer.allocate(data.length);
    assertThat(s.read(r, 0, b)).isEqualTo(data.length);
    assertThat(b.array()).isEqualTo(data);
  }

  @Test
  void aNameAlreadyForced_costsNoForce_butOneMadeByAnEarlierStoreIsForcedOnce() throws Exception {
    List<Path> forced = new CopyOnWriteArrayList<>();
    byte[] data = TestFs.pattern(5000, 4);
    Path blobs = dir.resolve("blobs");
    LocalBlobStore first = new LocalBlobStore(blobs, d -> forced.add(d));
    BlobRef r = first.putFile(sealed("a", data), data.length);
    assertThat(forced).as("the new fan-out directory's parent, then the fan-out directory")
        .containsExactly(blobs, blobPath(r).getParent());
    forced.clear();
    first.putFile(sealed("b", data), data.length);
    assertThat(forced).as("the same content again: its name is durable already").isEmpty();

    LocalBlobStore second = new LocalBlobStore(blobs, d -> forced.add(d)); // a new process on the same store
    second.putFile(sealed("c", data), data.length);
    second.putFile(sealed("d", data), data.length);
    assertThat(forced).as("its name may be from a process that died before the force").containsExactly(
        blobPath(r).getParent());
  }

  @Test
  void aPutThatFindsANameAnotherPutHasNotForcedYet_waitsForAForceOfItsOwn() throws Exception {
    CountDownLatch firstForcing = new CountDownLatch(1);
    CompletableFuture<Void> release = new CompletableFuture<>();
    List<Path> forced = new CopyOnWriteArrayList<>();
    LocalBlobStore s = new LocalBlobStore(dir.resolve("blobs"), d -> {
      forced.add(d);
      if (d.getFileName().toString().length() == 2 && firstForcing.getCount() > 0) {
        firstForcing.countDown();
        release.join(); // the first put has linked its name and is forcing it
      }
    });
    byte[] data = TestFs.pattern(5000, 5);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<BlobRef> a = pool.submit(() -> s.putFile(sealed("a", data), data.length));
      assertThat(firstForcing.await(10, TimeUnit.SECONDS)).isTrue();
      Future<BlobRef> b = pool.submit(() -> s.putFile(sealed("b", data), data.length, sha256(data)));
      assertThatThrownBy(() -> b.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
      release.complete(null);
      BlobRef ref = a.get(10, TimeUnit.SECONDS);
      assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo(ref);
      Path fanOut = blobPath(ref).getParent();
      assertThat(forced).filteredOn(d -> d.equals(fanOut)).hasSize(2);
    } finally {
      release.complete(null);
      pool.shutdownNow();
    }
  }

  private Path sealed(String name, byte[] data) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, data);
    return p;
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return java.security.MessageDigest.getInstance("SHA-256").digest(data);
  }

  private Path blobPath(BlobRef r) {
    return dir.resolve("blobs").resolve(r.value().substring(0, 2)).resolve(r.value());
  }

  @Test
  void rangedRead_andSize() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir);
    BlobRef r = put(s, TestFs.bytes("0123456789"));
    ByteBuffer b = ByteBuffer.allocate(4);
    assertThat(s.read(r, 3, b)).isEqualTo(4);
    assertThat(new String(b.array())).isEqualTo("3456");
    assertThat(s.read(r, 10, ByteBuffer.allocate(4))).isZero();
    assertThat(s.size(r)).isEqualTo(10);
  }

  @Test
  void shortSource_failsAndLeavesNoTempFile() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir);
    assertErrno(FsError.IO, () -> s.put(Channels.newChannel(new ByteArrayInputStream(new byte[3])), 10));
    assertThat(blobFiles()).isZero();
  }

  @Test
  void release_deletes_andIsIdempotent() throws Exception {
    LocalBlobStore s = new LocalBlobStore(dir);
    BlobRef r = put(s, TestFs.bytes("x"));
    s.release(r);
    s.release(r);
    assertErrno(FsError.NOT_FOUND, () -> s.size(r));
    assertThat(s.availableBytes()).isPositive();
  }
}
