package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.core.NamespaceTest.assertErrno;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
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
