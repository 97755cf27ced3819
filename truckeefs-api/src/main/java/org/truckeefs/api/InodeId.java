package org.truckeefs.api;

/** The number of an inode, stable for its lifetime. The root directory is {@link #ROOT}. */
public record InodeId(long value) implements Comparable<InodeId> {
  /** The root directory, as FUSE numbers it. */
  public static final InodeId ROOT = new InodeId(1);

  public InodeId {
    if (value <= 0) {
      throw new IllegalArgumentException("inode ids are positive: " + value);
    }
  }

  public static InodeId of(long value) {
    return new InodeId(value);
  }

  @Override
  public int compareTo(InodeId o) {
    return Long.compare(value, o.value);
  }

  @Override
  public String toString() {
    return "#" + value;
  }
}
