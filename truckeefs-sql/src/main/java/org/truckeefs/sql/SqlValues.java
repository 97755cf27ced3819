package org.truckeefs.sql;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BlobRef;

/**
 * How the store's values are written in columns: types as their S_IFMT code, times as nanoseconds since the
 * epoch, names and blob references as bytes. One place, so that every statement of the store encodes them alike.
 */
final class SqlValues {
  private SqlValues() {}

  static int code(InodeType type) {
    return type.modeBits() >> 12;
  }

  /** By code (the S_IFMT bits shifted down: 0 to 15), as listings map one per row. */
  private static final InodeType[] TYPES = new InodeType[16];

  static {
    for (InodeType t : InodeType.values()) {
      TYPES[code(t)] = t;
    }
  }

  static InodeType type(int code) {
    InodeType t = code >= 0 && code < TYPES.length ? TYPES[code] : null;
    if (t == null) {
      throw new IllegalStateException("unknown inode type code " + code + " in the metadata database");
    }
    return t;
  }

  static Name name(byte[] raw) {
    try {
      return Name.of(raw);
    } catch (FsException e) {
      throw new IllegalStateException("invalid name in the metadata database", e);
    }
  }

  static byte[] bytes(BlobRef ref) {
    return ref.value().getBytes(StandardCharsets.UTF_8);
  }

  static BlobRef blob(byte[] raw) {
    return BlobRef.of(new String(raw, StandardCharsets.UTF_8));
  }

  /** Nanoseconds since the epoch, saturated to what a long holds (years 1677 to 2262). */
  static long nanos(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    } catch (ArithmeticException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  static FsException notFound(InodeId inode) {
    return new FsException(FsError.NOT_FOUND, "inode " + inode + " does not exist");
  }

  static void checkMode(int mode) throws FsException {
    if ((mode & ~InodeAttributes.PERMISSION_BITS) != 0) {
      throw new FsException(FsError.INVALID, "mode 0" + Integer.toOctalString(mode) + " has bits besides 07777");
    }
  }
}
