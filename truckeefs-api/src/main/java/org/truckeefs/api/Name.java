package org.truckeefs.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One path component, validated once: 1 to {@value #MAX_BYTES} bytes of UTF-8, no {@code /}, no NUL.
 * Names are compared as bytes (no case folding, no Unicode normalisation), as the kernel does.
 *
 * <p>UTF-8 is required because the names also travel to Tahoe-LAFS (MIRROR strategy), whose directories
 * hold Unicode strings; a name that is not UTF-8 is refused with {@link FsError#ILLEGAL_SEQUENCE}.
 */
public final class Name implements Comparable<Name> {
  /** NAME_MAX on Linux. */
  public static final int MAX_BYTES = 255;

  public static final Name DOT = new Name(new byte[] {'.'}, ".");
  public static final Name DOT_DOT = new Name(new byte[] {'.', '.'}, "..");

  private final byte[] bytes;
  /** Decoded on first use: a listing maps thousands of names that nobody prints (racy but idempotent). */
  private String string;

  private Name(byte[] bytes, String string) {
    this.bytes = bytes;
    this.string = string;
  }

  /** Validates and wraps a name given as a Java string. */
  public static Name of(String name) throws FsException {
    if (name == null || name.isEmpty()) {
      throw new FsException(FsError.NOT_FOUND, "empty file name");
    }
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    check(b);
    // A lone surrogate encodes as '?': refuse rather than store a different name than asked for.
    if (!new String(b, StandardCharsets.UTF_8).equals(name)) {
      throw new FsException(FsError.ILLEGAL_SEQUENCE, "file name is not valid Unicode");
    }
    return new Name(b, name);
  }

  /** Validates and wraps a name given as raw bytes; they must be UTF-8. */
  public static Name of(byte[] raw) throws FsException {
    if (raw == null || raw.length == 0) {
      throw new FsException(FsError.NOT_FOUND, "empty file name");
    }
    byte[] b = raw.clone();
    if (!check(b)) {
      // Not plain ASCII (which is always UTF-8): a strict decode, as the lenient String constructor would replace
      // a malformed sequence rather than refuse it.
      try {
        StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b));
      } catch (CharacterCodingException e) {
        throw new FsException(FsError.ILLEGAL_SEQUENCE, "file name is not valid UTF-8");
      }
    }
    return new Name(b, null);
  }

  /** Checks the length and the bytes no name may hold; true when every byte is ASCII. */
  private static boolean check(byte[] b) throws FsException {
    if (b.length > MAX_BYTES) {
      throw new FsException(FsError.NAME_TOO_LONG,
          "file name is " + b.length + " bytes, the limit is " + MAX_BYTES);
    }
    int high = 0;
    for (byte x : b) {
      if (x == '/') {
        throw new FsException(FsError.INVALID, "file name contains '/'");
      }
      if (x == 0) {
        throw new FsException(FsError.INVALID, "file name contains NUL");
      }
      high |= x;
    }
    return high >= 0;
  }

  /** The UTF-8 bytes (a copy). */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Length in bytes. */
  public int length() {
    return bytes.length;
  }

  public boolean isDot() {
    return bytes.length == 1 && bytes[0] == '.';
  }

  public boolean isDotDot() {
    return bytes.length == 2 && bytes[0] == '.' && bytes[1] == '.';
  }

  public boolean isDotOrDotDot() {
    return isDot() || isDotDot();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Name n && Arrays.equals(bytes, n.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Unsigned byte order, the order SQL uses for VARBINARY. */
  @Override
  public int compareTo(Name o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    String s = string;
    if (s == null) {
      s = new String(bytes, StandardCharsets.UTF_8); // exact: the bytes were checked to be UTF-8
      string = s;
    }
    return s;
  }
}
