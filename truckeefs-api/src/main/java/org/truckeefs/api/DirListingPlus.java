package org.truckeefs.api;

import java.util.List;

/**
 * One page of a directory listing with attributes ({@link FileSystem#readdirplus}).
 *
 * @param entries entries in cookie order, {@code .} and {@code ..} included at the start of the first page
 * @param end whether the directory has no entries after the last one of this page
 */
public record DirListingPlus(List<DirEntryPlus> entries, boolean end) {
  public DirListingPlus {
    entries = List.copyOf(entries);
  }
}
