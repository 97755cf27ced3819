package org.truckeefs.tahoe;

/** How file contents are laid out on the grid ({@code backend_storage_strategy}). */
public enum StorageStrategy {
  /** Each chunk is an unlinked immutable upload; the namespace lives only in metadata. */
  FLAT,
  /** FLAT plus a Tahoe directory tree under rootcap mirroring the namespace, browsable with Tahoe tools. */
  MIRROR
}
