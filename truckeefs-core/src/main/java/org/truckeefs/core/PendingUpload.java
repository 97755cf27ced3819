package org.truckeefs.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The payload of an upload-journal entry: which dirty cache files hold which chunks (or, for chunks kept in memory,
 * their bytes) and which byte ranges of them this host wrote, and the file's size, truncation point and mtime at the
 * time the snapshot was sealed. Enough to redo the upload and the commit after a restart, including a byte-exact
 * rebase onto a newer version.
 *
 * @param sizeSet whether the snapshot set the length (truncate): then its size wins over a newer version's
 * @param truncatedTo the smallest length set in the snapshot ({@link Long#MAX_VALUE} if none): bytes from there on
 *     that this host did not write are zeros, whatever another host committed meanwhile
 */
record PendingUpload(long size, long dropFrom, Instant mtime, boolean sizeSet, long truncatedTo, List<Part> parts) {
  private static final int FORMAT_V1 = 1;
  /** Adds the written ranges, sizeSet and truncatedTo. */
  private static final int FORMAT_V2 = 2;
  /** Adds the bytes of chunks kept in memory. */
  private static final int FORMAT = 3;

  /**
   * One chunk: its dirty file, its length and the {@code [start, end)} ranges this host wrote in it.
   *
   * @param file the dirty cache file holding the chunk; empty when the record holds the bytes
   * @param bytes the chunk's bytes when it was kept in memory ({@link DirtyChunk}), else null
   */
  record Part(long index, long length, String file, List<long[]> written, byte[] bytes) {
    Part {
      written = List.copyOf(written);
    }

    /** A chunk in a dirty cache file. */
    Part(long index, long length, String file, List<long[]> written) {
      this(index, length, file, written, null);
    }

    /** A chunk whose bytes the record carries: all of {@code bytes}' remaining bytes, copied. */
    static Part inline(long index, List<long[]> written, ByteBuffer bytes) {
      byte[] b = new byte[bytes.remaining()];
      bytes.get(b);
      return new Part(index, b.length, "", written, b);
    }
  }

  PendingUpload {
    parts = List.copyOf(parts);
  }

  byte[] encode() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(FORMAT);
      out.writeLong(size);
      out.writeLong(dropFrom);
      out.writeLong(mtime.getEpochSecond());
      out.writeInt(mtime.getNano());
      out.writeBoolean(sizeSet);
      out.writeLong(truncatedTo);
      out.writeInt(parts.size());
      for (Part p : parts) {
        out.writeLong(p.index());
        out.writeLong(p.length());
        out.writeUTF(p.file());
        out.writeInt(p.written().size());
        for (long[] r : p.written()) {
          out.writeLong(r[0]);
          out.writeLong(r[1]);
        }
        out.writeBoolean(p.bytes() != null);
        if (p.bytes() != null) {
          out.write(p.bytes()); // as long as the part
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static PendingUpload decode(byte[] payload) throws FsException {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
      int format = in.readByte();
      if (format != FORMAT && format != FORMAT_V2 && format != FORMAT_V1) {
        throw new FsException(FsError.IO, "upload journal entry has unknown format " + format);
      }
      long size = in.readLong();
      long dropFrom = in.readLong();
      Instant mtime = Instant.ofEpochSecond(in.readLong(), in.readInt());
      boolean sizeSet = format == FORMAT_V1 || in.readBoolean();
      long truncatedTo = format == FORMAT_V1 ? Long.MAX_VALUE : in.readLong();
      int n = in.readInt();
      List<Part> parts = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long index = in.readLong();
        long length = in.readLong();
        String file = in.readUTF();
        List<long[]> written = new ArrayList<>();
        if (format == FORMAT_V1) {
          written.add(new long[] {0, length}); // written before ranges were journaled: all of it counts as ours
        } else {
          int k = in.readInt();
          for (int j = 0; j < k; j++) {
            written.add(new long[] {in.readLong(), in.readLong()});
          }
        }
        byte[] bytes = null;
        if (format >= FORMAT && in.readBoolean()) {
          if (length < 0 || length > payload.length) {
            throw new FsException(FsError.IO, "upload journal entry is corrupt: a part of " + length + " bytes");
          }
          bytes = new byte[(int) length];
          in.readFully(bytes);
        }
        parts.add(new Part(index, length, file, written, bytes));
      }
      return new PendingUpload(size, dropFrom, mtime, sizeSet, truncatedTo, parts);
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw new FsException(FsError.IO, "upload journal entry is corrupt: " + e.getMessage(), e);
    }
  }
}
