package org.truckeefs.sql;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The redo log of SQLite's write-behind ({@link SqliteWriter}): every write that returned to its caller before its
 * transaction committed, as the statements it executed with their parameters, appended with one {@code write(2)}
 * per group of writes and no sync. A process crash keeps what the kernel was given; the next open replays the
 * entries its last commit does not cover ({@link #readAll}).
 *
 * <p>Hand-written rather than a library's: it is an append-only file of length-prefixed, CRC-checked records, and a
 * dependency would not make that shorter. Entries are numbered ({@code seq}) without gaps; the store's commit records
 * the number it covers, so a file that holds older entries (its truncation lost to a power loss) or lost a page in
 * the middle is recognised and replayed only up to its first gap. The file holds names and blob references, which
 * are secrets: it is created owner-only.
 *
 * <p>Not thread-safe: only the holder of the writer's lock uses it.
 */
final class RedoLog implements AutoCloseable {
  /** One executed statement: SQL text and parameters (null, Long, Integer, byte[], String, Double, Boolean). */
  record Statement(String sql, Object[] params) {}

  /** One write's statements, numbered. */
  record Entry(long seq, List<Statement> statements) {}

  private static final int HEADER = 8; // length, CRC32C
  private static final int MAX_ENTRY = 64 << 20;

  private final Path file;
  /**
   * A RandomAccessFile, not a FileChannel: a thread interrupted in a FileChannel's write closes the channel for
   * every later writer (ClosedByInterruptException), and writers here are the callers' threads.
   */
  private final RandomAccessFile raf;
  private long size;

  private RedoLog(Path file, RandomAccessFile raf) throws IOException {
    this.file = file;
    this.raf = raf;
    this.size = raf.length();
    raf.seek(size);
  }

  /** Opens (creating owner-only) the log at {@code file}. */
  static RedoLog open(Path file) throws IOException {
    if (!Files.exists(file)) {
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
    }
    return new RedoLog(file, new RandomAccessFile(file.toFile(), "rw"));
  }

  Path file() {
    return file;
  }

  long size() {
    return size;
  }

  /** Appends {@code entries} with one write; on failure the file is cut back to where it was. */
  void append(List<Entry> entries) throws IOException {
    if (entries.isEmpty()) {
      return;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * entries.size());
    DataOutputStream out = new DataOutputStream(bytes);
    for (Entry e : entries) {
      byte[] body = encode(e);
      CRC32C crc = new CRC32C();
      crc.update(body);
      out.writeInt(body.length);
      out.writeInt((int) crc.getValue());
      out.write(body);
    }
    long at = size;
    try {
      raf.write(bytes.toByteArray());
    } catch (IOException e) {
      try {
        raf.setLength(at);
        raf.seek(at);
      } catch (IOException ignored) {
        // replay stops at the torn record anyway (its CRC)
      }
      throw e;
    }
    size = at + bytes.size();
  }

  /** Empties the file: every entry in it is committed. */
  void reset() throws IOException {
    raf.setLength(0);
    raf.seek(0);
    size = 0;
  }

  /** The entries from the start of the file up to the first torn or corrupt record. */
  List<Entry> readAll() throws IOException {
    List<Entry> entries = new ArrayList<>();
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    long at = 0;
    FileChannel channel = raf.getChannel();
    long end = channel.size();
    while (at + HEADER <= end) {
      header.clear();
      readFully(channel, header, at);
      int length = header.getInt(0);
      int crc = header.getInt(4);
      if (length <= 0 || length > MAX_ENTRY || at + HEADER + length > end) {
        break;
      }
      ByteBuffer body = ByteBuffer.allocate(length);
      readFully(channel, body, at + HEADER);
      CRC32C check = new CRC32C();
      check.update(body.array());
      if ((int) check.getValue() != crc) {
        break;
      }
      try {
        entries.add(decode(body.flip()));
      } catch (RuntimeException e) {
        break; // a record that passed its CRC but does not parse: treat it as the end, like a torn one
      }
      at += HEADER + length;
    }
    return entries;
  }

  private void readFully(FileChannel channel, ByteBuffer buf, long at) throws IOException {
    while (buf.hasRemaining()) {
      if (channel.read(buf, at + buf.position()) < 0) {
        throw new IOException("unexpected end of " + file);
      }
    }
  }

  @Override
  public void close() throws IOException {
    raf.close();
  }

  private static final byte NULL = 0;
  private static final byte LONG = 1;
  private static final byte INT = 2;
  private static final byte BYTES = 3;
  private static final byte STRING = 4;
  private static final byte DOUBLE = 5;
  private static final byte BOOLEAN = 6;

  static byte[] encode(Entry e) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeLong(e.seq());
    out.writeInt(e.statements().size());
    for (Statement s : e.statements()) {
      writeBytes(out, s.sql().getBytes(StandardCharsets.UTF_8));
      out.writeInt(s.params().length);
      for (Object v : s.params()) {
        if (v == null) {
          out.writeByte(NULL);
        } else if (v instanceof Long l) {
          out.writeByte(LONG);
          out.writeLong(l);
        } else if (v instanceof Integer i) {
          out.writeByte(INT);
          out.writeInt(i);
        } else if (v instanceof byte[] b) {
          out.writeByte(BYTES);
          writeBytes(out, b);
        } else if (v instanceof String str) {
          out.writeByte(STRING);
          writeBytes(out, str.getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof Double d) {
          out.writeByte(DOUBLE);
          out.writeDouble(d);
        } else if (v instanceof Boolean b) {
          out.writeByte(BOOLEAN);
          out.writeBoolean(b);
        } else {
          throw new IllegalArgumentException("a redo log cannot hold a " + v.getClass().getName());
        }
      }
    }
    return bytes.toByteArray();
  }

  static Entry decode(ByteBuffer in) {
    long seq = in.getLong();
    int n = in.getInt();
    List<Statement> statements = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String sql = new String(readBytes(in), StandardCharsets.UTF_8);
      Object[] params = new Object[in.getInt()];
      for (int p = 0; p < params.length; p++) {
        byte tag = in.get();
        params[p] = switch (tag) {
          case NULL -> null;
          case LONG -> in.getLong();
          case INT -> in.getInt();
          case BYTES -> readBytes(in);
          case STRING -> new String(readBytes(in), StandardCharsets.UTF_8);
          case DOUBLE -> in.getDouble();
          case BOOLEAN -> in.get() != 0;
          default -> throw new IllegalArgumentException("unknown parameter tag " + tag + " in a redo log entry");
        };
      }
      statements.add(new Statement(sql, params));
    }
    return new Entry(seq, statements);
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] readBytes(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return b;
  }
}
