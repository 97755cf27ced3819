package org.truckeefs.api;

import java.util.Objects;

/**
 * One directory entry: {@code name} in {@code parent} names {@code inode}. In readdir results the
 * {@code cookie} is the entry's position: listing again after that cookie continues behind it, however
 * the directory changed in between (entries are never renumbered; new entries get larger cookies).
 *
 * @param parent the directory
 * @param name the name in that directory
 * @param inode the inode named
 * @param type the inode's type, so readdir can fill {@code d_type} without a getattr
 * @param cookie position in the directory listing; larger than every cookie handed out before in this directory
 */
public record DirEntry(InodeId parent, Name name, InodeId inode, InodeType type, long cookie) {
  public DirEntry {
    Objects.requireNonNull(parent, "parent");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(inode, "inode");
    Objects.requireNonNull(type, "type");
  }
}
