package org.truckeefs.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An opaque reference to an immutable blob, as its {@link BlobStore} hands it out. For Tahoe-LAFS it is a
 * capability, which is a secret: {@link #toString()} shows only a short fingerprint, never the value.
 */
public final class BlobRef {
  private final String value;

  private BlobRef(String value) {
    this.value = Objects.requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("empty blob reference");
    }
  }

  public static BlobRef of(String value) {
    return new BlobRef(value);
  }

  /** The reference itself, for storing in metadata and handing back to the blob store. Never log it. */
  public String value() {
    return value;
  }

  /** A short, non-reversible fingerprint that is safe to log. */
  public String fingerprint() {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlobRef b && b.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return "BlobRef[" + fingerprint() + "]";
  }
}
