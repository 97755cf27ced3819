package org.truckeefs.api;

import java.util.List;

/**
 * One page of a directory listing.
 *
 * @param entries entries in cookie order, {@code .} and {@code ..} included at the start of the first page
 * @param end whether the directory has no entries after the last one of this page
 */
public record DirListing(List<DirEntry> entries, boolean end) {
  public DirListing {
    entries = List.copyOf(entries);
  }
}
