package org.truckeefs.sql;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /** Distinct statement texts whose UTF-8 bytes are kept (the hot ones are a few dozen constants). */
  private static final int MAX_CACHED_SQL = 512;

  private final Path file;
  private final Encoder encoder = new Encoder(4096);
  /** Each statement text's UTF-8 bytes, encoded once. */
  private final Map<String, byte[]> sqlBytes = new HashMap<>();
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
    Encoder out = encoder;
    out.reset();
    for (Entry e : entries) {
      int header = out.reserve(HEADER);
      out.encode(e, sqlBytes);
      int length = out.position() - header - HEADER;
      CRC32C crc = new CRC32C();
      crc.update(out.array(), header + HEADER, length);
      out.putInt(header, length);
      out.putInt(header + 4, (int) crc.getValue());
    }
    long at = size;
    try {
      raf.write(out.array(), 0, out.position());
    } catch (IOException e) {
      try {
        raf.setLength(at);
        raf.seek(at);
      } catch (IOException ignored) {
        // replay stops at the torn record anyway (its CRC)
      }
      throw e;
    } finally {
      out.trim();
    }
    size = at + out.position();
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

  /** One entry's bytes, as {@link #append} writes them after the record's header. */
  static byte[] encode(Entry e) {
    Encoder out = new Encoder(256);
    out.encode(e, new HashMap<>());
    return Arrays.copyOf(out.array(), out.position());
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

  /**
   * The records of one {@link #append}, encoded into one array that is reused from append to append (an append per
   * group of writes is on every write's path; encoding through streams copied each record three times). Big-endian,
   * as DataOutputStream wrote it, so that logs written before read back unchanged.
   */
  private static final class Encoder {
    /** What an encoder keeps between appends; a larger group's array is dropped after it. */
    private static final int KEEP = 1 << 20;
    private byte[] buf;
    private int pos;

    Encoder(int capacity) {
      buf = new byte[capacity];
    }

    byte[] array() {
      return buf;
    }

    int position() {
      return pos;
    }

    void reset() {
      pos = 0;
    }

    void trim() {
      if (buf.length > KEEP) {
        buf = new byte[KEEP];
      }
    }

    /** Skips {@code n} bytes to fill in later; returns where they start. */
    int reserve(int n) {
      ensure(n);
      int at = pos;
      pos += n;
      return at;
    }

    void putInt(int at, int v) {
      buf[at] = (byte) (v >>> 24);
      buf[at + 1] = (byte) (v >>> 16);
      buf[at + 2] = (byte) (v >>> 8);
      buf[at + 3] = (byte) v;
    }

    void encode(Entry e, Map<String, byte[]> sqlBytes) {
      putLong(e.seq());
      putInt(e.statements().size());
      for (Statement s : e.statements()) {
        byte[] sql = sqlBytes.get(s.sql());
        if (sql == null) {
          sql = s.sql().getBytes(StandardCharsets.UTF_8);
          if (sqlBytes.size() < MAX_CACHED_SQL) {
            sqlBytes.put(s.sql(), sql);
          }
        }
        putBytes(sql);
        putInt(s.params().length);
        for (Object v : s.params()) {
          if (v == null) {
            putByte(NULL);
          } else if (v instanceof Long l) {
            putByte(LONG);
            putLong(l);
          } else if (v instanceof Integer i) {
            putByte(INT);
            putInt(i);
          } else if (v instanceof byte[] b) {
            putByte(BYTES);
            putBytes(b);
          } else if (v instanceof String str) {
            putByte(STRING);
            putBytes(str.getBytes(StandardCharsets.UTF_8));
          } else if (v instanceof Double d) {
            putByte(DOUBLE);
            putLong(Double.doubleToLongBits(d));
          } else if (v instanceof Boolean b) {
            putByte(BOOLEAN);
            putByte(b ? (byte) 1 : (byte) 0);
          } else {
            throw new IllegalArgumentException("a redo log cannot hold a " + v.getClass().getName());
          }
        }
      }
    }

    private void putByte(byte b) {
      ensure(1);
      buf[pos++] = b;
    }

    private void putInt(int v) {
      ensure(4);
      putInt(pos, v);
      pos += 4;
    }

    private void putLong(long v) {
      ensure(8);
      putInt(pos, (int) (v >>> 32));
      putInt(pos + 4, (int) v);
      pos += 8;
    }

    private void putBytes(byte[] b) {
      putInt(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    private void ensure(int n) {
      if (pos + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(pos + n, 2 * buf.length));
      }
    }
  }

  private static byte[] readBytes(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return b;
  }
}
