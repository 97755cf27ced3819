package org.truckeefs.testkit.tahoe;

/**
 * Tahoe's base32 ({@code allmydata.util.base32}): RFC 4648 alphabet in lower case, no padding. Hand-written because
 * it is 40 lines and no managed dependency offers the lower-case, unpadded form. The client in truckeefs-tahoe has
 * its own copy on purpose: an emulator that shared the client's encoder could not catch the client's encoding bugs.
 */
final class Base32 {
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

  private Base32() {}

  static String encode(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(ALPHABET.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  /** Decodes; throws IllegalArgumentException for characters outside the alphabet. */
  static byte[] decode(String text) {
    byte[] out = new byte[text.length() * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int pos = 0;
    for (int i = 0; i < text.length(); i++) {
      int v = ALPHABET.indexOf(text.charAt(i));
      if (v < 0) {
        throw new IllegalArgumentException("not base32");
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        if (pos < out.length) {
          out[pos++] = (byte) (buffer >> (bits - 8));
        }
        bits -= 8;
      }
    }
    return out;
  }

  static boolean isBase32(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (ALPHABET.indexOf(text.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }
}
