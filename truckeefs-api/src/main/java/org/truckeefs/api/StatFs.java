package org.truckeefs.api;

/**
 * {@code statvfs(2)} numbers.
 *
 * @param blockSize preferred I/O size, and the unit of the block counts
 * @param totalBlocks capacity in blocks
 * @param freeBlocks free blocks
 * @param availableBlocks blocks free for unprivileged users
 * @param totalInodes inode capacity
 * @param freeInodes free inodes
 * @param maxNameLength longest name, in bytes
 */
public record StatFs(
    long blockSize, long totalBlocks, long freeBlocks, long availableBlocks, long totalInodes, long freeInodes,
    int maxNameLength) {}
