package org.truckeefs.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The payload of an upload-journal entry: which dirty cache files hold which chunks, and the file's size, truncation
 * point and mtime at the time the snapshot was sealed. Enough to redo the upload and the commit after a restart.
 */
record PendingUpload(long size, long dropFrom, Instant mtime, List<Part> parts) {
  private static final int FORMAT = 1;

  record Part(long index, long length, String file) {}

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
      out.writeInt(parts.size());
      for (Part p : parts) {
        out.writeLong(p.index());
        out.writeLong(p.length());
        out.writeUTF(p.file());
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
      if (format != FORMAT) {
        throw new FsException(FsError.IO, "upload journal entry has unknown format " + format);
      }
      long size = in.readLong();
      long dropFrom = in.readLong();
      Instant mtime = Instant.ofEpochSecond(in.readLong(), in.readInt());
      int n = in.readInt();
      List<Part> parts = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        parts.add(new Part(in.readLong(), in.readLong(), in.readUTF()));
      }
      return new PendingUpload(size, dropFrom, mtime, parts);
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw new FsException(FsError.IO, "upload journal entry is corrupt: " + e.getMessage(), e);
    }
  }
}
