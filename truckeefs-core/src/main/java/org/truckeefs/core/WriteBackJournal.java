package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;

/**
 * The local write-back journal: an append-only file in the cache directory ({@code <cache_dir>/journal/write-back},
 * 0600 in a 0700 directory) that names the dirty cache files of every snapshot sealed and not yet committed, or
 * holds the bytes of those kept in memory ({@link DirtyChunk}), so a process crash loses nothing. A close() appends
 * one record with one {@code write()} and no sync: the contract of close() is survival of a process crash, which the
 * page cache gives (as on ext4, a power loss may lose what was never synced). fsync does not need this file forced
 * either: it commits the snapshot itself.
 *
 * <p>Records: {@code PENDING(seq, inode, base version, payload)} when a snapshot is sealed, {@code DONE(seq)} when it
 * was committed or will never be (purged, unusable; written with the next append, see {@link #done}). Sequence
 * numbers increase per cache directory for ever (a {@code NEXT} record carries the counter across compactions). A
 * commit records {@code (host id, seq)} as a commit mark in the store's transaction, so a crash between the commit
 * and the {@code DONE} record is told apart from an upload that never committed (see {@link Recovery}). Framing:
 * {@code [length][crc32c][type][body]}; a torn last record (a crash in the middle of a write) fails its length or
 * checksum and is ignored with a log line.
 *
 * <p>Compaction rewrites the live records to a temporary file, forces it, renames it over the journal and forces
 * the directory; it runs at startup and when the file outgrows {@link #dueForCompaction its bound}, so the file
 * stays bounded however long the mount runs. Only after that may the store forget the commit marks of records the
 * new file no longer holds ({@link #compact} returns up to which sequence number).
 *
 * <p>Locking: one lock orders the appends (one {@code pwrite} each, never a sync); a compaction forces its
 * temporary file outside it (reading the live records from the old file, where they never change) and takes it only
 * to copy what was appended meanwhile, to swap the files and to move the live records' places.
 */
class WriteBackJournal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WriteBackJournal.class);
  static final String DIR = "journal";
  static final String FILE = "write-back";
  /**
   * Compaction is due once the file holds this much beyond twice its live records. Records carry the bytes of small
   * files (up to 64 KiB each, see {@link DirtyChunk}); a compaction forces a file and a directory, so it should
   * come every few hundred such files at most, not every few dozen.
   */
  static final long DEFAULT_SLACK_BYTES = 64L << 20;
  private static final byte[] MAGIC = "TFSWBJ1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte PENDING = 1;
  private static final byte DONE = 2;
  private static final byte NEXT = 3;
  private static final int FRAME = 8; // length + checksum
  private static final int DONE_RECORD = FRAME + 1 + 8;
  /**
   * The most DONE records kept unwritten: they go with the next append, in its one write, or on their own once this
   * many wait. A DONE record lost in a crash costs nothing but a look at its commit mark at the next start.
   */
  static final int MAX_UNWRITTEN_DONE = 64;
  private static final int MAX_RECORD = 64 << 20;

  /** A snapshot journaled and not done. */
  record Entry(long seq, InodeId inode, long baseVersion, byte[] payload) {}

  private final Path dir;
  private final Path file;
  private final long slackBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final Object compacting = new Object();
  /**
   * Where each live PENDING record is in the file, by sequence number: compaction copies them verbatim from there.
   * Not their bytes: a record may carry a small file's bytes ({@link DirtyChunk}), which memory holds once already.
   */
  private final TreeMap<Long, Span> live = new TreeMap<>();

  /** A whole framed record: {@code length} bytes at {@code at} in the current file. */
  private record Span(long at, int length) {}
  private FileChannel channel;
  private long end;
  private long liveBytes;
  private long nextSeq;
  private boolean closed;
  /** Sequence numbers done and not written yet (the first {@link #unwrittenDone} of them). */
  private final long[] doneToWrite = new long[MAX_UNWRITTEN_DONE];
  private int unwrittenDone;
  /** Set for a store that keeps no commit marks: a lost DONE record would let the next start apply it again. */
  private boolean doneAtOnce;

  /**
   * Opens (or creates) the journal of a cache directory and reads its live records.
   *
   * @param slackBytes how far the file may grow beyond twice its live records before a compaction is due
   */
  WriteBackJournal(Path cacheDir, long slackBytes) throws FsException {
    this.dir = cacheDir.resolve(DIR);
    this.file = dir.resolve(FILE);
    this.slackBytes = slackBytes;
    PrivateDirectory.prepare(dir, "cache_dir");
    try {
      load();
    } catch (IOException e) {
      throw DiskErrors.map("open the write-back journal " + file, e);
    }
  }

  static WriteBackJournal open(Path cacheDir) throws FsException {
    return new WriteBackJournal(cacheDir, DEFAULT_SLACK_BYTES);
  }

  private void load() throws IOException {
    nextSeq = 1;
    if (!Files.exists(file)) {
      channel = create(file);
      ByteBuffer b = ByteBuffer.allocate(MAGIC.length + FRAME + 9);
      b.put(MAGIC);
      frame(b, NEXT, ByteBuffer.allocate(8).putLong(nextSeq).array());
      end = ChunkBytes.writeFully(channel, b.flip(), 0);
      return;
    }
    PrivateDirectory.makePrivateFile(file);
    channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    long size = channel.size();
    ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(size));
    while (all.hasRemaining() && channel.read(all, all.position()) >= 0) {
      // read until full
    }
    int valid;
    try {
      valid = parse(file, all.flip(), this);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    end = valid < size ? truncateTo(valid) : size;
  }

  /**
   * The sequence numbers of the live records in a cache directory's journal, read only (for a status report
   * without a mount); empty when there is no journal.
   */
  static List<Long> readLive(Path cacheDir) throws IOException {
    Path f = cacheDir.resolve(DIR).resolve(FILE);
    if (!Files.exists(f)) {
      return List.of();
    }
    WriteBackJournal into = new WriteBackJournal(f);
    parse(f, ByteBuffer.wrap(Files.readAllBytes(f)), into);
    return new ArrayList<>(into.live.keySet());
  }

  private WriteBackJournal(Path file) {
    this.dir = file.getParent();
    this.file = file;
    this.slackBytes = DEFAULT_SLACK_BYTES;
  }

  /** Reads the records of {@code all} into {@code into}'s state; returns where the last whole record ends. */
  private static int parse(Path file, ByteBuffer all, WriteBackJournal into) throws IOException {
    long size = all.remaining();
    byte[] magic = new byte[MAGIC.length];
    if (all.remaining() < MAGIC.length || !Arrays.equals(get(all, magic), MAGIC)) {
      throw new FileSystemException(file.toString(), null, "not a TruckeeFS write-back journal; move it away only "
          + "if no upload is pending");
    }
    CRC32C crc = new CRC32C();
    while (all.remaining() > 0) {
      int at = all.position();
      int len = all.remaining() < FRAME + 1 ? -1 : all.getInt();
      int sum = len < 0 ? 0 : all.getInt();
      boolean whole = len >= 9 && len <= MAX_RECORD && len <= all.remaining();
      if (whole) {
        crc.reset();
        crc.update(all.array(), all.position(), len);
        whole = (int) crc.getValue() == sum;
      }
      if (!whole) {
        log.warn("write-back journal {}: ignoring {} byte(s) of a torn record at offset {} (a crash in the middle "
            + "of a write; what it described was never acknowledged)", file, size - at, at);
        all.position(at);
        break;
      }
      Span record = new Span(at, FRAME + len);
      byte type = all.get();
      long seq = all.getLong();
      all.position(at + FRAME + len);
      switch (type) {
        case PENDING -> {
          into.live.put(seq, record);
          into.liveBytes += record.length();
          into.nextSeq = Math.max(into.nextSeq, seq + 1);
        }
        case DONE -> {
          Span gone = into.live.remove(seq);
          if (gone != null) {
            into.liveBytes -= gone.length();
          }
        }
        case NEXT -> into.nextSeq = Math.max(into.nextSeq, seq);
        default -> log.warn("write-back journal {}: skipping a record of unknown type {}", file, type);
      }
    }
    return all.position();
  }

  private long truncateTo(int at) throws IOException {
    channel.truncate(at); // appends go after the last whole record, never after garbage
    return at;
  }

  private static byte[] get(ByteBuffer b, byte[] dst) {
    b.get(dst);
    return dst;
  }

  /** The snapshots journaled and not done, oldest first (read back from the file). */
  List<Entry> entries() throws FsException {
    lock.lock();
    try {
      ensureOpen();
      List<Entry> out = new ArrayList<>(live.size());
      for (Span at : live.values()) {
        byte[] r = read(channel, at);
        ByteBuffer b = ByteBuffer.wrap(r, FRAME + 1, r.length - FRAME - 1);
        long seq = b.getLong();
        InodeId inode = new InodeId(b.getLong());
        long base = b.getLong();
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        out.add(new Entry(seq, inode, base, payload));
      }
      return out;
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw DiskErrors.map("read the write-back journal " + file, e);
    } finally {
      lock.unlock();
    }
  }

  /** The bytes of a whole record at {@code at} in {@code ch}. */
  private static byte[] read(FileChannel ch, Span at) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(at.length());
    while (b.hasRemaining()) {
      if (ch.read(b, at.at() + b.position()) < 0) {
        throw new java.io.EOFException("write-back journal ends inside a live record");
      }
    }
    return b.array();
  }

  /** How many snapshots are journaled and not done. */
  int size() {
    lock.lock();
    try {
      return live.size();
    } finally {
      lock.unlock();
    }
  }

  /** The journal file's length in bytes. */
  long fileBytes() {
    lock.lock();
    try {
      return end;
    } finally {
      lock.unlock();
    }
  }

  /** Makes every later sequence number greater than {@code seq} (a commit mark the store still holds). */
  void advancePast(long seq) {
    lock.lock();
    try {
      nextSeq = Math.max(nextSeq, seq + 1);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Records a sealed snapshot with one write, not synced; returns its sequence number. A failed write is cut off
   * again, so the file never holds a half record before a whole one.
   */
  long append(InodeId inode, long baseVersion, byte[] payload) throws FsException {
    ByteBuffer body = ByteBuffer.allocate(24 + payload.length);
    lock.lock();
    try {
      ensureOpen();
      long seq = nextSeq++;
      body.putLong(seq).putLong(inode.value()).putLong(baseVersion).put(payload);
      Span record = write(PENDING, body.array());
      live.put(seq, record);
      liveBytes += record.length();
      return seq;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The snapshot was committed (its commit mark says so if this record is lost) or will never be. Its DONE record is
   * written with the next append (one write for both: an upload's own write cost each small file a second
   * {@code pwrite}), or with others once {@link #MAX_UNWRITTEN_DONE} wait, or at close; never synced. Until then a
   * crash leaves the record live, and the next start tells it by its commit mark: a compaction lets the store forget
   * only the marks below its oldest live record, and a record done after that compaction began is in the new file
   * with a higher number (its DONE record goes to whichever file is current then).
   */
  void done(long seq) {
    lock.lock();
    try {
      Span gone = live.remove(seq);
      if (gone == null || closed) {
        return;
      }
      liveBytes -= gone.length();
      doneToWrite[unwrittenDone++] = seq;
      if (doneAtOnce || unwrittenDone == MAX_UNWRITTEN_DONE) {
        writeDone();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * From now on each DONE record is written at once: the store keeps no commit marks, so nothing else would tell
   * the next start that a snapshot whose record it reads back was committed.
   */
  void writeDoneAtOnce() {
    lock.lock();
    try {
      doneAtOnce = true;
      if (!closed) {
        writeDone();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Writes the DONE records that wait, in one write; call with {@link #lock} held. */
  private void writeDone() {
    if (unwrittenDone == 0) {
      return;
    }
    try {
      write(null, null);
    } catch (FsException e) {
      log.warn("write-back journal: cannot record that {} upload(s) are done ({}); the next start tells them by "
          + "their commit marks", unwrittenDone, e.getMessage());
      unwrittenDone = 0;
    }
  }

  /** Whether the file outgrew its bound: {@code slack} bytes beyond twice its live records. */
  boolean dueForCompaction() {
    lock.lock();
    try {
      return !closed && end > slackBytes + 2 * liveBytes;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Rewrites the live records to a temporary file, forces it, renames it over the journal (appending what was
   * written meanwhile first) and forces the directory.
   *
   * @return the sequence number up to which the store's commit marks are no longer needed: no record at or below
   *     it is live, and the durable journal names none of them
   */
  long compact() throws FsException {
    synchronized (compacting) {
      Path tmp = dir.resolve(FILE + ".tmp");
      List<Map.Entry<Long, Span>> records;
      FileChannel src;
      long from;
      long next;
      long bound;
      lock.lock();
      try {
        ensureOpen();
        records = new ArrayList<>(live.entrySet());
        src = channel; // only a compaction swaps it, and this is the only one running
        from = end;
        next = nextSeq;
        bound = live.isEmpty() ? nextSeq - 1 : live.firstKey() - 1;
      } finally {
        lock.unlock();
      }
      try {
        Files.deleteIfExists(tmp);
        FileChannel fresh = create(tmp);
        try {
          ByteBuffer head = ByteBuffer.allocate(MAGIC.length + FRAME + 9);
          head.put(MAGIC);
          frame(head, NEXT, ByteBuffer.allocate(8).putLong(next).array());
          long at = ChunkBytes.writeFully(fresh, head.flip(), 0);
          Map<Long, Span> moved = new HashMap<>();
          for (Map.Entry<Long, Span> r : records) {
            // read outside the lock: these records were written before the snapshot and never change
            moved.put(r.getKey(), new Span(at, r.getValue().length()));
            at = ChunkBytes.writeFully(fresh, ByteBuffer.wrap(read(src, r.getValue())), at);
          }
          fresh.force(true); // outside the lock: appends go on into the old file meanwhile
          lock.lock();
          try {
            ensureOpen();
            // what was appended since the snapshot (new snapshots, DONE records of copied ones) follows, unforced
            // like any append
            ByteBuffer tail = ByteBuffer.allocate(Math.toIntExact(end - from));
            while (tail.hasRemaining() && channel.read(tail, from + tail.position()) >= 0) {
              // read until full
            }
            long tailAt = at;
            at = ChunkBytes.writeFully(fresh, tail.flip(), at);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            FileChannel old = channel;
            channel = fresh;
            end = at;
            old.close();
            // the live records' places in the new file: copied ones where they were copied, later ones shifted
            for (Map.Entry<Long, Span> e : live.entrySet()) {
              Span was = e.getValue();
              e.setValue(was.at() >= from ? new Span(was.at() - from + tailAt, was.length()) : moved.get(e.getKey()));
            }
          } finally {
            lock.unlock();
          }
        } catch (IOException | RuntimeException e) {
          if (fresh.isOpen() && fresh != channel) {
            fresh.close();
          }
          throw e;
        }
        forceDirectory(dir);
        return bound;
      } catch (IOException e) {
        throw DiskErrors.map("compact the write-back journal " + file, e);
      }
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (!closed) {
        writeDone();
        closed = true;
        channel.close();
      }
    } catch (IOException e) {
      log.debug("closing the write-back journal: {}", e.getMessage());
    } finally {
      lock.unlock();
    }
  }

  private void ensureOpen() throws FsException {
    if (closed) {
      throw new FsException(FsError.IO, "the write-back journal is closed (the filesystem is closing)");
    }
  }

  /**
   * Appends the DONE records that wait and then one framed record ({@code type} null: none), in one write, at the
   * end; returns the record's place. Call with {@link #lock} held. A failed write is cut off again, and the DONE
   * records keep waiting.
   */
  private Span write(Byte type, byte[] body) throws FsException {
    int doneBytes = unwrittenDone * DONE_RECORD;
    int length = type == null ? 0 : FRAME + 1 + body.length;
    ByteBuffer b = ByteBuffer.allocate(doneBytes + length);
    for (int i = 0; i < unwrittenDone; i++) {
      frame(b, DONE, ByteBuffer.allocate(8).putLong(doneToWrite[i]).array());
    }
    if (type != null) {
      frame(b, type, body);
    }
    Span record = new Span(end + doneBytes, length);
    try {
      end = ChunkBytes.writeFully(channel, b.flip(), end);
      unwrittenDone = 0;
      return record;
    } catch (IOException e) {
      try {
        channel.truncate(end); // a disk full in mid-record: cut it, so later records stay readable
      } catch (IOException ignored) {
        // the torn bytes are skipped at the next start (and everything after them with them)
      }
      throw DiskErrors.map("append to the write-back journal " + file, e);
    }
  }

  private static void frame(ByteBuffer b, byte type, byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(type);
    crc.update(body);
    b.putInt(1 + body.length).putInt((int) crc.getValue()).put(type).put(body);
  }

  private static FileChannel create(Path p) throws IOException {
    FileChannel ch = FileChannel.open(p, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE), PrivateDirectory.fileAttributes(p.getParent()));
    PrivateDirectory.makePrivateFile(p); // the umask applies to creation modes only
    return ch;
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true); // makes the rename durable
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("cannot force directory {}: {}", dir, e.getMessage());
    }
  }
}
