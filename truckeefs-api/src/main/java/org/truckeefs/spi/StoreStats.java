package org.truckeefs.spi;

/**
 * Totals for statfs.
 *
 * @param inodes inodes in use
 * @param bytes sum of file sizes
 */
public record StoreStats(long inodes, long bytes) {}
