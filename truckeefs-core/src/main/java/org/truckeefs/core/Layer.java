package org.truckeefs.core;

import java.util.TreeMap;

/**
 * One layer of an {@link OpenFile}'s view ({@link ChunkLayers}; guarded by the file's lock): the chunks it wrote and
 * how it cut the file below it. A chunk at or past {@link #dropFrom} that this layer did not write is a hole.
 */
class Layer {
  final TreeMap<Long, DirtyChunk> chunks = new TreeMap<>();
  long dropFrom = Long.MAX_VALUE;
  /** A truncate (down or up) happened in this layer: its size wins over another host's. */
  boolean sizeSet;
  /** The smallest length set in this layer; bytes from there on that this host did not write are zeros. */
  long truncatedTo = Long.MAX_VALUE;
}
