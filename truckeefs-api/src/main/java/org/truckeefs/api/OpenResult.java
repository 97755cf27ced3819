package org.truckeefs.api;

/**
 * The result of {@code open} or {@code create}.
 *
 * @param handle the file handle for read, write, flush, fsync and release
 * @param attributes the inode's attributes after the open (after O_TRUNC or creation)
 * @param keepCache whether the kernel may keep its cached pages of this file: true when the content is unchanged
 *     since this host last opened it (close-to-open consistency)
 */
public record OpenResult(long handle, InodeAttributes attributes, boolean keepCache) {}
