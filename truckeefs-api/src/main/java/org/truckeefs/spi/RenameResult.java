package org.truckeefs.spi;

import org.truckeefs.api.InodeAttributes;

/**
 * The outcome of {@link MetadataStore#rename}.
 *
 * @param moved the renamed inode, after the rename
 * @param replaced the inode that the target name named before a replacing rename, with its link count already
 *     decreased; null when nothing was replaced or for RENAME_EXCHANGE. At link count 0 it is an orphan that core
 *     purges once no handle has it open.
 */
public record RenameResult(InodeAttributes moved, InodeAttributes replaced) {}
