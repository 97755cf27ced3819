package org.truckeefs.api;

import java.util.Objects;

/**
 * A change the filesystem committed, as {@link FileSystem#watch} reports it. Changes say <em>what</em> became
 * stale, not the new state: a watcher re-reads what it cares about. A FUSE adapter turns a remote change into a
 * kernel cache invalidation; an embedding application can refresh a view.
 */
public sealed interface FsChange permits FsChange.Attributes, FsChange.Content, FsChange.Entry, FsChange.Overflow {

  /** Whether another host made the change. This host's kernel already saw its own changes pass through it. */
  boolean remote();

  /** The attributes of {@code inode} changed (mode, owner, times, link count, size). */
  record Attributes(InodeId inode, boolean remote) implements FsChange {
    public Attributes {
      Objects.requireNonNull(inode, "inode");
    }
  }

  /** The content of {@code inode} changed: cached data of it is stale (its attributes changed too). */
  record Content(InodeId inode, boolean remote) implements FsChange {
    public Content {
      Objects.requireNonNull(inode, "inode");
    }
  }

  /** The entry {@code name} in {@code parent} was added, removed or now names another inode. */
  record Entry(InodeId parent, Name name, boolean remote) implements FsChange {
    public Entry {
      Objects.requireNonNull(parent, "parent");
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * Changes may have been missed (the link to the other hosts dropped and came back): anything a watcher derived
   * from earlier changes may be stale, as after a {@code WatchService} OVERFLOW.
   */
  record Overflow(boolean remote) implements FsChange {}
}
