package org.truckeefs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

/** {@link SeekableByteChannel} and {@link FileChannel} on a truckeefs file. */
class FileChannelTest extends NioFixture {
  private static final StandardOpenOption READ = StandardOpenOption.READ;
  private static final StandardOpenOption WRITE = StandardOpenOption.WRITE;
  private static final StandardOpenOption CREATE = StandardOpenOption.CREATE;

  private Path file(byte... content) throws Exception {
    Path f = path("/f");
    Files.write(f, content);
    return f;
  }

  @Test
  void readAdvancesThePositionAndEndsWithMinusOne() throws Exception {
    try (SeekableByteChannel ch = Files.newByteChannel(file((byte) 1, (byte) 2, (byte) 3))) {
      ByteBuffer b = ByteBuffer.allocate(2);
      assertThat(ch.read(b)).isEqualTo(2);
      assertThat(ch.position()).isEqualTo(2);
      b.clear();
      assertThat(ch.read(b)).isEqualTo(1);
      b.clear();
      assertThat(ch.read(b)).isEqualTo(-1);
    }
  }

  @Test
  void positionPastTheEndReadsNothing() throws Exception {
    try (SeekableByteChannel ch = Files.newByteChannel(file((byte) 1))) {
      ch.position(10);
      assertThat(ch.read(ByteBuffer.allocate(4))).isEqualTo(-1);
    }
  }

  @Test
  void writingPastTheEndLeavesAZeroHole() throws Exception {
    Path f = path("/hole");
    try (SeekableByteChannel ch = Files.newByteChannel(f, CREATE, WRITE)) {
      ch.position(5);
      ch.write(ByteBuffer.wrap(new byte[] {7}));
      assertThat(ch.size()).isEqualTo(6);
    }
    assertThat(Files.readAllBytes(f)).containsExactly(0, 0, 0, 0, 0, 7);
  }

  @Test
  void sizeFollowsWrites() throws Exception {
    try (SeekableByteChannel ch = Files.newByteChannel(path("/n"), CREATE, WRITE)) {
      assertThat(ch.size()).isZero();
      ch.write(ByteBuffer.allocate(100));
      assertThat(ch.size()).isEqualTo(100);
    }
  }

  @Test
  void truncateShrinksAndMovesThePosition() throws Exception {
    try (SeekableByteChannel ch = Files.newByteChannel(file(new byte[10]), READ, WRITE)) {
      ch.position(8);
      ch.truncate(4);
      assertThat(ch.size()).isEqualTo(4);
      assertThat(ch.position()).isEqualTo(4);
    }
  }

  @Test
  void truncateNeverGrows() throws Exception {
    try (SeekableByteChannel ch = Files.newByteChannel(file(new byte[3]), WRITE)) {
      ch.truncate(10);
      assertThat(ch.size()).isEqualTo(3);
    }
  }

  @Test
  void truncateExistingOption() throws Exception {
    Path f = file(new byte[10]);
    try (SeekableByteChannel ch = Files.newByteChannel(f, WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      assertThat(ch.size()).isZero();
    }
  }

  @Test
  void appendWritesAtTheEnd() throws Exception {
    Path f = file((byte) 1, (byte) 2);
    try (SeekableByteChannel ch = Files.newByteChannel(f, StandardOpenOption.APPEND)) {
      ch.position(0);
      ch.write(ByteBuffer.wrap(new byte[] {3}));
      assertThat(ch.position()).isEqualTo(3);
    }
    assertThat(Files.readAllBytes(f)).containsExactly(1, 2, 3);
  }

  @Test
  void appendWithReadIsRejected() throws Exception {
    Path f = file((byte) 1);
    assertThatThrownBy(() -> Files.newByteChannel(f, READ, StandardOpenOption.APPEND))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readOnlyChannelRefusesWrites() throws Exception {
    try (SeekableByteChannel ch = Files.newByteChannel(file((byte) 1))) {
      assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(1))).isInstanceOf(NonWritableChannelException.class);
    }
  }

  @Test
  void writeOnlyChannelRefusesReads() throws Exception {
    try (SeekableByteChannel ch = Files.newByteChannel(file((byte) 1), WRITE)) {
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1))).isInstanceOf(NonReadableChannelException.class);
    }
  }

  @Test
  void closedChannelRefusesEverything() throws Exception {
    SeekableByteChannel ch = Files.newByteChannel(file((byte) 1));
    ch.close();
    assertThat(ch.isOpen()).isFalse();
    assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(ch::size).isInstanceOf(ClosedChannelException.class);
    ch.close();
  }

  @Test
  void negativePositionIsRejected() throws Exception {
    try (SeekableByteChannel ch = Files.newByteChannel(file((byte) 1))) {
      assertThatThrownBy(() -> ch.position(-1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void positionalReadAndWriteLeaveThePositionAlone() throws Exception {
    try (FileChannel ch = FileChannel.open(file(new byte[8]), READ, WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {5, 6}), 3);
      ByteBuffer b = ByteBuffer.allocate(2);
      ch.read(b, 3);
      assertThat(b.array()).containsExactly(5, 6);
      assertThat(ch.position()).isZero();
    }
  }

  @Test
  void scatterAndGather() throws Exception {
    try (FileChannel ch = FileChannel.open(path("/sg"), CREATE, READ, WRITE)) {
      ch.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[] {1, 2}), ByteBuffer.wrap(new byte[] {3})});
      ch.position(0);
      ByteBuffer a = ByteBuffer.allocate(1);
      ByteBuffer b = ByteBuffer.allocate(5);
      assertThat(ch.read(new ByteBuffer[] {a, b})).isEqualTo(3);
      assertThat(a.array()).containsExactly(1);
      assertThat(b.position()).isEqualTo(2);
    }
  }

  @Test
  void transferToAndFrom() throws Exception {
    Path src = file((byte) 1, (byte) 2, (byte) 3, (byte) 4);
    try (FileChannel in = FileChannel.open(src); FileChannel out = FileChannel.open(path("/dst"), CREATE, WRITE)) {
      assertThat(in.transferTo(1, 10, out)).isEqualTo(3);
    }
    assertThat(Files.readAllBytes(path("/dst"))).containsExactly(2, 3, 4);
    try (FileChannel in = FileChannel.open(src); FileChannel out = FileChannel.open(path("/dst2"), CREATE, WRITE)) {
      assertThat(out.transferFrom(in, 0, 2)).isEqualTo(2);
    }
    assertThat(Files.readAllBytes(path("/dst2"))).containsExactly(1, 2);
  }

  @Test
  void forceStoresTheData() throws Exception {
    try (FileChannel ch = FileChannel.open(path("/forced"), CREATE, WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      ch.force(true);
      ch.force(false);
    }
    assertThat(Files.size(path("/forced"))).isEqualTo(3);
  }

  @Test
  void syncOptionWritesThrough() throws Exception {
    try (FileChannel ch = FileChannel.open(path("/s"), CREATE, WRITE, StandardOpenOption.SYNC)) {
      ch.write(ByteBuffer.wrap(new byte[] {1}));
    }
    assertThat(Files.readAllBytes(path("/s"))).containsExactly(1);
  }

  @Test
  void mapIsNotSupported() throws Exception {
    try (FileChannel ch = FileChannel.open(file((byte) 1))) {
      assertThatThrownBy(() -> ch.map(FileChannel.MapMode.READ_ONLY, 0, 1))
          .isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Test
  void exclusiveLockExcludesAnotherChannel() throws Exception {
    Path f = file(new byte[4]);
    try (FileChannel a = FileChannel.open(f, READ, WRITE); FileChannel b = FileChannel.open(f, READ, WRITE)) {
      FileLock lock = a.lock();
      assertThat(lock.isValid()).isTrue();
      assertThat(lock.isShared()).isFalse();
      assertThat(b.tryLock()).isNull();
      lock.release();
      assertThat(lock.isValid()).isFalse();
      FileLock second = b.tryLock();
      assertThat(second).isNotNull();
      second.release();
    }
  }

  @Test
  void sharedLocksCoexist() throws Exception {
    Path f = file(new byte[4]);
    try (FileChannel a = FileChannel.open(f, READ); FileChannel b = FileChannel.open(f, READ)) {
      FileLock la = a.lock(0, Long.MAX_VALUE, true);
      FileLock lb = b.tryLock(0, Long.MAX_VALUE, true);
      assertThat(lb).isNotNull();
      assertThat(lb.isShared()).isTrue();
      la.release();
      lb.release();
    }
  }

  @Test
  void closingTheChannelReleasesItsLocks() throws Exception {
    Path f = file(new byte[4]);
    try (FileChannel b = FileChannel.open(f, READ, WRITE)) {
      try (FileChannel a = FileChannel.open(f, READ, WRITE)) {
        a.lock();
      }
      FileLock l = b.tryLock();
      assertThat(l).isNotNull();
      l.release();
    }
  }

  @Test
  void dataWrittenIsVisibleToAnotherChannelAfterClose() throws Exception {
    Path f = path("/shared");
    try (FileChannel w = FileChannel.open(f, CREATE, WRITE)) {
      w.write(ByteBuffer.wrap("abc".getBytes()));
    }
    try (FileChannel r = FileChannel.open(f)) {
      ByteBuffer b = ByteBuffer.allocate(3);
      r.read(b);
      assertThat(new String(b.array())).isEqualTo("abc");
    }
  }
}
