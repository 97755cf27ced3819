package org.truckeefs.sql;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The redo log of SQLite's write-behind ({@link SqliteWriter}): every write that returned to its caller before its
 * transaction committed, as the statements it executed with their parameters, appended once per group of writes and
 * never synced. A process crash keeps what the kernel holds; the next open replays the entries its last commit does
 * not cover ({@link #readAll}).
 *
 * <p>Appends are copies into a shared mapping of the file, not {@code write(2)} calls: the mapped pages are the
 * file's page cache, so what an append copied survives a crash of the process exactly as a written record did,
 * and a power loss loses what no commit covered in both cases. The system call was an eighth of a create's and an
 * upload commit's time on SQLite (perf, 2026-12-05). The file is kept at {@link #CAPACITY} bytes (more while a
 * larger group needs it), filled with zeros past the records, so a read stops where the records end (a record's
 * length is never 0) and a page the mapping touches never needs a block allocated (no SIGBUS on a full disk: the
 * zeros were written when the file grew, and growing fails with an error instead).
 *
 * <p>Hand-written rather than a library's: it is an append-only file of length-prefixed, CRC-checked records, and a
 * dependency would not make that shorter. Entries are numbered ({@code seq}) without gaps; the store's commit records
 * the number it covers, so a file that holds older entries (its emptying lost to a power loss) or lost a page in
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
  /**
   * The file's size while no group needs more: four times the length at which {@link SqliteWriter} empties it
   * after a commit, so that a burst between two commits rarely grows it.
   */
  static final int CAPACITY = 4 << 20;
  private static final byte[] ZEROS = new byte[64 << 10];

  /** Distinct statement texts whose UTF-8 bytes are kept (the hot ones are a few dozen constants). */
  private static final int MAX_CACHED_SQL = 512;

  private final Path file;
  private final Encoder encoder = new Encoder(4096);
  /** Each statement text's UTF-8 bytes, encoded once. */
  private final Map<String, byte[]> sqlBytes = new HashMap<>();
  /**
   * For reading, growing and zeroing. A RandomAccessFile, not a FileChannel: a thread interrupted in a FileChannel's
   * I/O closes the channel for every later user (ClosedByInterruptException), and writers here are the callers'
   * threads. Mappings are made through a channel of their own, closed at once (see {@link #map}).
   */
  private final RandomAccessFile raf;
  /** The whole file, {@link #capacity} bytes; records from 0 to {@link #size}, zeros after. */
  private MappedByteBuffer map;
  private int capacity;
  private int size;

  private RedoLog(Path file, RandomAccessFile raf) throws IOException {
    this.file = file;
    this.raf = raf;
    long end = validEnd();
    if (end > Integer.MAX_VALUE - (1 << 20)) {
      throw new IOException("the redo log " + file + " holds " + end + " bytes of records, more than can be replayed");
    }
    this.size = (int) end;
    this.capacity = (int) Math.max(CAPACITY, roundUp(size));
    // Past the last valid record: zeros from here on, so that what a crash tore or an older run left after it can
    // never be read as following the records appended now.
    if (raf.length() > capacity) {
      raf.setLength(capacity);
    }
    zero(size, capacity);
    this.map = map(file, capacity);
  }

  /** Opens (creating owner-only) the log at {@code file}; appends go after its last valid record. */
  static RedoLog open(Path file) throws IOException {
    boolean created = !Files.exists(file);
    if (created) {
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
    }
    RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
    try {
      return new RedoLog(file, raf);
    } catch (IOException | RuntimeException e) {
      raf.close();
      if (created) {
        Files.deleteIfExists(file); // a log this open made holds nothing: leave no zeros on a full disk
      }
      throw e;
    }
  }

  Path file() {
    return file;
  }

  /** How many bytes of valid records the log at {@code file} holds, read without changing it (for tests). */
  static long recordBytes(Path file) throws IOException {
    try (RandomAccessFile r = new RandomAccessFile(file.toFile(), "r")) {
      long[] end = {0};
      scan(r.getChannel(), file, end);
      return end[0];
    }
  }

  /** Where the records end: 0 when the log holds none. */
  long size() {
    return size;
  }

  /** Appends {@code entries}; on failure nothing of them is in the file. */
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
    try {
      int n = out.position();
      if ((long) size + n > capacity) {
        grow((long) size + n);
      }
      map.put(size, out.array(), 0, n);
      size += n;
    } catch (InternalError e) {
      // the JVM's answer to a fault in a mapped page (an I/O error reading it back): the records may be partly
      // there, which reading stops at (their CRC), and the caller is told the append failed
      throw new IOException("cannot write the redo log " + file + ": " + e.getMessage(), e);
    } finally {
      out.trim();
    }
  }

  /** Empties the log (every entry in it is committed): its records are zeroed, a grown file shrinks back. */
  void reset() throws IOException {
    if (capacity > CAPACITY) {
      // the larger mapping is dropped, never touched again (past the new end it would fault), and unmapped when
      // collected; Java 17 has no explicit unmap
      zero(0, Math.min(size, CAPACITY));
      raf.setLength(CAPACITY);
      capacity = CAPACITY;
      map = map(file, capacity);
    } else {
      for (int at = 0; at < size; at += ZEROS.length) {
        map.put(at, ZEROS, 0, Math.min(ZEROS.length, size - at));
      }
    }
    size = 0;
  }

  /** Grows the file (zeros written, so its blocks exist) to hold {@code needed} bytes, and maps it anew. */
  private void grow(long needed) throws IOException {
    if (needed > Integer.MAX_VALUE - (1 << 20)) {
      throw new IOException("a redo log group of " + (needed - size) + " bytes is too large");
    }
    int grown = (int) Math.max(roundUp(needed), Math.min(2L * capacity, Integer.MAX_VALUE - (1 << 20)));
    try {
      zero(capacity, grown);
    } catch (IOException e) {
      raf.setLength(capacity); // a full disk: nothing was appended, and the file is as it was
      throw e;
    }
    map = map(file, grown);
    capacity = grown;
  }

  /** Writes zeros over {@code [from, to)} of the file (with {@code write(2)}: blocks are allocated, or it fails). */
  private void zero(long from, long to) throws IOException {
    for (long at = from; at < to; at += ZEROS.length) {
      raf.seek(at);
      raf.write(ZEROS, 0, (int) Math.min(ZEROS.length, to - at));
    }
  }

  private static long roundUp(long n) {
    long mib = 1 << 20;
    return (n + mib - 1) / mib * mib;
  }

  /** Maps {@code length} bytes of {@code file} through a channel of its own (the mapping outlives the channel). */
  private static MappedByteBuffer map(Path file, int length) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
    }
  }

  /** Where the valid records from the start of the file end. */
  private long validEnd() throws IOException {
    long[] end = {0};
    scan(raf.getChannel(), file, end);
    return end[0];
  }

  /** The entries from the start of the file up to the first torn or corrupt record (or its zeros). */
  List<Entry> readAll() throws IOException {
    return scan(raf.getChannel(), file, new long[1]);
  }

  /** Reads the valid records from the start; sets {@code end[0]} to where they end. */
  private static List<Entry> scan(FileChannel channel, Path file, long[] end) throws IOException {
    List<Entry> entries = new ArrayList<>();
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    long at = 0;
    long length = channel.size();
    while (at + HEADER <= length) {
      header.clear();
      readFully(channel, file, header, at);
      int n = header.getInt(0);
      int crc = header.getInt(4);
      if (n <= 0 || n > MAX_ENTRY || at + HEADER + n > length) {
        break;
      }
      ByteBuffer body = ByteBuffer.allocate(n);
      readFully(channel, file, body, at + HEADER);
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
      at += HEADER + n;
    }
    end[0] = at;
    return entries;
  }

  private static void readFully(FileChannel channel, Path file, ByteBuffer buf, long at) throws IOException {
    while (buf.hasRemaining()) {
      if (channel.read(buf, at + buf.position()) < 0) {
        throw new IOException("unexpected end of " + file);
      }
    }
  }

  @Override
  public void close() throws IOException {
    map = null; // unmapped when collected
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
