package org.truckeefs.testkit.tahoe;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** Cap strings as {@code allmydata/uri.py} writes them. Hashes stand in for Tahoe's tagged hashes. */
final class Caps {
  static final int LIT_THRESHOLD = 55;

  private Caps() {}

  static String lit(byte[] data) {
    return "URI:LIT:" + Base32.encode(data);
  }

  /** Convergent: the key depends on the convergence secret and the bytes only. */
  static byte[] chkKey(byte[] convergenceSecret, byte[] data) {
    MessageDigest md = sha256();
    md.update("allmydata_immutable_content_to_key_with_added_secret_v1+".getBytes(StandardCharsets.US_ASCII));
    md.update(convergenceSecret);
    md.update(data);
    return Arrays.copyOf(md.digest(), 16);
  }

  static String chk(byte[] key, byte[] data, int k, int n) {
    MessageDigest md = sha256();
    md.update(key);
    md.update(ByteBuffer.allocate(16).putLong(data.length).putInt(k).putInt(n).array());
    md.update(sha256().digest(data));
    return "URI:CHK:" + Base32.encode(key) + ":" + Base32.encode(md.digest()) + ":" + k + ":" + n + ":"
        + data.length;
  }

  static String storageIndex(byte[] key) {
    return Base32.encode(Arrays.copyOf(sha256().digest(key), 16));
  }

  static byte[] hash16(byte[] in) {
    return Arrays.copyOf(sha256().digest(in), 16);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
