package org.truckeefs.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.truckeefs.api.Caller;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;

/** An open file description: the shared {@link OpenFile} plus this open's mode, caller and read position. */
final class FileHandle {
  final OpenFile file; // null for a directory opened with open()
  final InodeId inode;
  final OpenFlags flags;
  final Caller caller;
  /** How far this handle's reads reached: a read starting near there is sequential and triggers read-ahead. */
  volatile long lastReadEnd = -1;
  /** Whether the first write already dropped setuid/setgid (checked once per handle, not per write). */
  volatile boolean privilegesChecked;
  /** A write through this handle failed for a full disk: the next flush (close) reports ENOSPC too, as NFS does. */
  volatile boolean lostWrite;
  /** flock owners that locked through this open file description. */
  final Set<Long> flockOwners = ConcurrentHashMap.newKeySet();
  /** fcntl lock owners that locked through this handle: an embedding app's release() ends their locks too. */
  final Set<Long> fcntlOwners = ConcurrentHashMap.newKeySet();

  FileHandle(OpenFile file, InodeId inode, OpenFlags flags, Caller caller) {
    this.file = file;
    this.inode = inode;
    this.flags = flags;
    this.caller = caller;
  }
}
