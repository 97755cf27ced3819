package org.truckeefs.api;

import java.util.Objects;

/**
 * A directory entry with the attributes of the inode it names, as READDIRPLUS hands them to the kernel so that
 * {@code ls -l} needs no lookup per entry.
 */
public record DirEntryPlus(DirEntry entry, InodeAttributes attributes) {
  public DirEntryPlus {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(attributes, "attributes");
  }
}
