package org.truckeefs.core;

import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;

/**
 * What RiverFS tells interested parts (e.g. a namespace mirror in the blob store) after each successful change.
 * Called after the metadata store applied the change, never while a lock is held; must not throw.
 */
interface NamespaceEvents {
  NamespaceEvents NONE = new NamespaceEvents() {};

  default void created(InodeId parent, Name name, InodeAttributes inode) {}

  default void linked(InodeId parent, Name name, InodeAttributes inode) {}

  default void removed(InodeId parent, Name name, InodeAttributes inode) {}

  default void renamed(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags) {}

  default void contentCommitted(InodeAttributes inode) {}

  default void purged(InodeId inode) {}
}
