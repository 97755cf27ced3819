package org.truckeefs.tahoe;

import java.util.Objects;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * A parsed Tahoe capability. The value is a secret: {@link #toString()} shows the kind (and a file's size) only,
 * and parse errors never quote it.
 */
final class TahoeCap {
  enum Kind { LIT, CHK, DIR2, DIR2_RO, DIR2_MDMF, DIR2_MDMF_RO, OTHER }

  private final String value;
  private final Kind kind;
  private final long size;

  private TahoeCap(String value, Kind kind, long size) {
    this.value = value;
    this.kind = kind;
    this.size = size;
  }

  static TahoeCap parse(String value) throws FsException {
    Objects.requireNonNull(value, "value");
    String v = value.strip();
    if (v.startsWith("URI:LIT:")) {
      String b32 = v.substring(8);
      if (!Base32.isBase32(b32)) {
        throw invalid("a LIT cap with data that is not base32");
      }
      return new TahoeCap(v, Kind.LIT, b32.length() * 5L / 8);
    }
    if (v.startsWith("URI:CHK:")) {
      String[] p = v.split(":");
      if (p.length != 7 || p[2].length() != 26 || p[3].length() != 52) {
        throw invalid("a malformed CHK cap");
      }
      try {
        long size = Long.parseLong(p[6]);
        Integer.parseInt(p[4]);
        Integer.parseInt(p[5]);
        if (size < 0) {
          throw invalid("a CHK cap with a negative size");
        }
        return new TahoeCap(v, Kind.CHK, size);
      } catch (NumberFormatException e) {
        throw invalid("a malformed CHK cap");
      }
    }
    Kind k;
    if (v.startsWith("URI:DIR2:")) {
      k = Kind.DIR2;
    } else if (v.startsWith("URI:DIR2-RO:")) {
      k = Kind.DIR2_RO;
    } else if (v.startsWith("URI:DIR2-MDMF:")) {
      k = Kind.DIR2_MDMF;
    } else if (v.startsWith("URI:DIR2-MDMF-RO:")) {
      k = Kind.DIR2_MDMF_RO;
    } else if (v.startsWith("URI:")) {
      k = Kind.OTHER;
    } else {
      throw invalid("not a Tahoe cap (it does not start with URI:)");
    }
    return new TahoeCap(v, k, -1);
  }

  private static FsException invalid(String what) {
    return new FsException(FsError.INVALID, "blob reference is " + what);
  }

  String value() {
    return value;
  }

  Kind kind() {
    return kind;
  }

  boolean isImmutableFile() {
    return kind == Kind.LIT || kind == Kind.CHK;
  }

  boolean isWritableDirectory() {
    return kind == Kind.DIR2 || kind == Kind.DIR2_MDMF;
  }

  /** The file's size from the cap; -1 for caps that do not carry it. */
  long size() {
    return size;
  }

  /** A LIT cap's data (the file itself). */
  byte[] litData() {
    if (kind != Kind.LIT) {
      throw new IllegalStateException("not a LIT cap");
    }
    return Base32.decode(value.substring(8));
  }

  /** k and N of a CHK cap, or null. */
  int[] encoding() {
    if (kind != Kind.CHK) {
      return null;
    }
    String[] p = value.split(":");
    return new int[] {Integer.parseInt(p[4]), Integer.parseInt(p[5])};
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TahoeCap c && c.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return "TahoeCap[" + kind + (size >= 0 ? ", " + size + " bytes" : "") + "]";
  }
}
