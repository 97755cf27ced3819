package org.truckeefs.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;

/**
 * One pending namespace-mirror update, as kept in the mirror journal. {@code SYNC} makes one name in the mirror
 * match what the metadata says at the time it is applied (so applying it late, twice, or after a crash is right);
 * {@code RENAME} moves a name cheaply (no re-upload) and falls back to syncing both names.
 *
 * @param journalId the journal entry holding it; 0 before it is journaled
 */
record MirrorOp(Kind kind, InodeId dir, Name name, InodeId toDir, Name toName, long journalId) {
  enum Kind { SYNC, RENAME }

  static MirrorOp sync(InodeId dir, Name name) {
    return new MirrorOp(Kind.SYNC, dir, name, null, null, 0);
  }

  static MirrorOp rename(InodeId dir, Name name, InodeId toDir, Name toName) {
    return new MirrorOp(Kind.RENAME, dir, name, toDir, toName, 0);
  }

  MirrorOp withJournalId(long id) {
    return new MirrorOp(kind, dir, name, toDir, toName, id);
  }

  /** What coalescing compares: two pending SYNCs of one name are one. */
  String key() {
    return kind + " " + dir.value() + " " + new String(name.bytes(), StandardCharsets.ISO_8859_1);
  }

  byte[] encode() {
    byte[] n = name.bytes();
    byte[] t = toName == null ? new byte[0] : toName.bytes();
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + 2 + n.length + 8 + 2 + t.length);
    b.put((byte) (kind == Kind.SYNC ? 'S' : 'R')).putLong(dir.value()).putShort((short) n.length).put(n);
    b.putLong(toDir == null ? 0 : toDir.value()).putShort((short) t.length).put(t);
    return b.array();
  }

  static MirrorOp decode(byte[] payload, long journalId) throws FsException {
    ByteBuffer b = ByteBuffer.wrap(payload);
    Kind kind = b.get() == 'S' ? Kind.SYNC : Kind.RENAME;
    InodeId dir = InodeId.of(b.getLong());
    byte[] n = new byte[b.getShort()];
    b.get(n);
    long toDir = b.getLong();
    byte[] t = new byte[b.getShort()];
    b.get(t);
    return new MirrorOp(kind, dir, Name.of(n), toDir == 0 ? null : InodeId.of(toDir),
        t.length == 0 ? null : Name.of(t), journalId);
  }

  @Override
  public String toString() {
    return kind == Kind.SYNC ? "sync " + dir + "/" + name : "rename " + dir + "/" + name + " -> " + toDir + "/" + toName;
  }
}
