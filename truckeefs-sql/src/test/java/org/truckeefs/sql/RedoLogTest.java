package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The redo log's file: what it keeps, where it stops reading, who may read it. */
class RedoLogTest {
  @TempDir Path dir;

  static RedoLog.Entry entry(long seq, Object... params) {
    return new RedoLog.Entry(seq, List.of(new RedoLog.Statement("INSERT INTO t VALUES (?)", params),
        new RedoLog.Statement("DELETE FROM t", new Object[0])));
  }

  @Test
  void entries_roundTrip_withEveryParameterType() throws Exception {
    Path file = dir.resolve("metadata.db-redo");
    try (RedoLog log = RedoLog.open(file)) {
      log.append(List.of(entry(1, null, 7L, 8, new byte[] {1, 2}, "név", 1.5, true)));
      log.append(List.of(entry(2, 3L), entry(3, 4L)));
    }
    try (RedoLog log = RedoLog.open(file)) {
      List<RedoLog.Entry> read = log.readAll();
      assertThat(read).extracting(RedoLog.Entry::seq).containsExactly(1L, 2L, 3L);
      Object[] p = read.get(0).statements().get(0).params();
      assertThat(p[0]).isNull();
      assertThat(p[1]).isEqualTo(7L);
      assertThat(p[2]).isEqualTo(8);
      assertThat((byte[]) p[3]).containsExactly(1, 2);
      assertThat(p[4]).isEqualTo("név");
      assertThat(p[5]).isEqualTo(1.5);
      assertThat(p[6]).isEqualTo(true);
      assertThat(read.get(0).statements().get(1).sql()).isEqualTo("DELETE FROM t");
      assertThat(read.get(2).statements().get(0).params()).containsExactly(4L);
    }
  }

  /**
   * The record format is fixed: a log written by an earlier version (whose encoder was a DataOutputStream) replays
   * after an upgrade. The expected bytes are built here the way that encoder wrote them.
   */
  @Test
  void records_keepTheFormatEarlierVersionsWrote() throws Exception {
    RedoLog.Entry e = entry(42, null, 7L, 8, new byte[] {1, 2}, "név", 1.5, true);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(expected);
    out.writeLong(42);
    out.writeInt(2);
    byte[] insert = "INSERT INTO t VALUES (?)".getBytes(StandardCharsets.UTF_8);
    out.writeInt(insert.length);
    out.write(insert);
    out.writeInt(7);
    out.writeByte(0);
    out.writeByte(1);
    out.writeLong(7);
    out.writeByte(2);
    out.writeInt(8);
    out.writeByte(3);
    out.writeInt(2);
    out.write(new byte[] {1, 2});
    byte[] nev = "név".getBytes(StandardCharsets.UTF_8);
    out.writeByte(4);
    out.writeInt(nev.length);
    out.write(nev);
    out.writeByte(5);
    out.writeDouble(1.5);
    out.writeByte(6);
    out.writeBoolean(true);
    byte[] delete = "DELETE FROM t".getBytes(StandardCharsets.UTF_8);
    out.writeInt(delete.length);
    out.write(delete);
    out.writeInt(0);
    byte[] body = expected.toByteArray();
    assertThat(RedoLog.encode(e)).containsExactly(body);

    Path file = dir.resolve("metadata.db-redo");
    long end;
    try (RedoLog log = RedoLog.open(file)) {
      log.append(List.of(e, e));
      end = log.size();
    }
    CRC32C crc = new CRC32C();
    crc.update(body);
    ByteBuffer record = ByteBuffer.allocate(8 + body.length).putInt(body.length).putInt((int) crc.getValue())
        .put(body);
    byte[] one = record.array();
    byte[] both = new byte[2 * one.length];
    System.arraycopy(one, 0, both, 0, one.length);
    System.arraycopy(one, 0, both, one.length, one.length);
    byte[] all = Files.readAllBytes(file);
    assertThat(end).isEqualTo(both.length);
    assertThat(Arrays.copyOf(all, both.length)).containsExactly(both);
    assertThat(Arrays.copyOfRange(all, both.length, all.length)).as("zeros after the records").containsOnly(0);
  }

  /** A group larger than the encoder keeps between appends is written whole, and the next group still is. */
  @Test
  void aGroupLargerThanTheKeptBuffer_isWrittenWhole() throws Exception {
    Path file = dir.resolve("metadata.db-redo");
    byte[] big = new byte[3 << 20];
    big[big.length - 1] = 9;
    try (RedoLog log = RedoLog.open(file)) {
      log.append(List.of(entry(1, big), entry(2, 2L)));
      log.append(List.of(entry(3, 3L)));
    }
    try (RedoLog log = RedoLog.open(file)) {
      List<RedoLog.Entry> read = log.readAll();
      assertThat(read).extracting(RedoLog.Entry::seq).containsExactly(1L, 2L, 3L);
      assertThat((byte[]) read.get(0).statements().get(0).params()[0]).isEqualTo(big);
    }
  }

  @Test
  void reading_stopsAtATornOrCorruptRecord() throws Exception {
    Path file = dir.resolve("metadata.db-redo");
    long afterTwo;
    long afterThree;
    try (RedoLog log = RedoLog.open(file)) {
      log.append(List.of(entry(1, 1L), entry(2, 2L)));
      afterTwo = log.size();
      log.append(List.of(entry(3, 3L)));
      afterThree = log.size();
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(afterThree - 3); // the last record torn by a crash mid-write
    }
    try (RedoLog log = RedoLog.open(file)) {
      assertThat(log.readAll()).extracting(RedoLog.Entry::seq).containsExactly(1L, 2L);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xff}), afterTwo - 5); // a byte of the second record flipped
    }
    try (RedoLog log = RedoLog.open(file)) {
      assertThat(log.readAll()).extracting(RedoLog.Entry::seq).containsExactly(1L);
    }
  }

  @Test
  void reset_emptiesTheFile_andAppendsStartOver() throws Exception {
    try (RedoLog log = RedoLog.open(dir.resolve("metadata.db-redo"))) {
      log.append(List.of(entry(1, 1L)));
      log.reset();
      assertThat(log.size()).isZero();
      assertThat(log.readAll()).isEmpty();
      log.append(List.of(entry(2, 2L)));
      assertThat(log.readAll()).extracting(RedoLog.Entry::seq).containsExactly(2L);
    }
  }

  /**
   * What an append copied into the mapping is in the file as soon as the append returns, as a write(2) was: another
   * open of the file (the next start after a crash of this process) reads it while this one still has it open.
   */
  @Test
  void appended_isReadByAnotherOpen_whileTheAppenderHasNotClosed() throws Exception {
    Path file = dir.resolve("metadata.db-redo");
    try (RedoLog log = RedoLog.open(file)) {
      log.append(List.of(entry(1, 1L)));
      log.append(List.of(entry(2, 2L), entry(3, 3L)));
      try (RandomAccessFile other = new RandomAccessFile(file.toFile(), "r")) {
        byte[] all = new byte[(int) other.length()];
        other.readFully(all);
        assertThat(Arrays.copyOf(all, (int) log.size())).isNotEqualTo(new byte[(int) log.size()]);
      }
      Path copy = dir.resolve("copy-redo");
      Files.copy(file, copy);
      try (RedoLog crashed = RedoLog.open(copy)) {
        assertThat(crashed.readAll()).extracting(RedoLog.Entry::seq).containsExactly(1L, 2L, 3L);
        assertThat(crashed.size()).isEqualTo(log.size());
      }
    }
  }

  /** A start after a crash appends after the last valid record: what a torn record left there is zeroed first. */
  @Test
  void open_appendsAfterTheLastValidRecord_overWhatATornOneLeft() throws Exception {
    Path file = dir.resolve("metadata.db-redo");
    long afterOne;
    try (RedoLog log = RedoLog.open(file)) {
      log.append(List.of(entry(1, 1L)));
      afterOne = log.size();
      log.append(List.of(entry(2, new byte[5000])));
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xff}), afterOne + 100); // the second record torn
    }
    try (RedoLog log = RedoLog.open(file)) {
      assertThat(log.size()).isEqualTo(afterOne);
      log.append(List.of(entry(7, 7L)));
    }
    try (RedoLog log = RedoLog.open(file)) {
      assertThat(log.readAll()).extracting(RedoLog.Entry::seq).containsExactly(1L, 7L);
    }
  }

  /** The file stays at its capacity: a group larger than it grows it, and emptying the log shrinks it back. */
  @Test
  void theFile_growsForALargeGroup_andShrinksBackWhenEmptied() throws Exception {
    Path file = dir.resolve("metadata.db-redo");
    try (RedoLog log = RedoLog.open(file)) {
      assertThat(Files.size(file)).isEqualTo(RedoLog.CAPACITY);
      for (int round = 0; round < 3; round++) {
        log.append(List.of(entry(1, new byte[RedoLog.CAPACITY + 12345])));
        assertThat(Files.size(file)).isGreaterThan(RedoLog.CAPACITY);
        log.append(List.of(entry(2, 2L)));
        assertThat(log.readAll()).extracting(RedoLog.Entry::seq).containsExactly(1L, 2L);
        log.reset();
        assertThat(Files.size(file)).isEqualTo(RedoLog.CAPACITY);
        assertThat(log.readAll()).isEmpty();
        log.append(List.of(entry(3, 3L)));
        assertThat(log.readAll()).extracting(RedoLog.Entry::seq).containsExactly(3L);
        log.reset();
      }
    }
  }

  @Test
  void theFile_isOwnerOnly_becauseItHoldsNamesAndBlobReferences() throws Exception {
    Path file = dir.resolve("metadata.db-redo");
    try (RedoLog log = RedoLog.open(file)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
  }
}
