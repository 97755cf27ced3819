package org.truckeefs.core;

/**
 * A snapshot of a running RiverFS, for {@code truckeefs status}.
 *
 * @param metadataScheme the metadata store's URI scheme
 * @param blobScheme the blob store's URI scheme
 * @param coordinatorScheme the coordinator's URI scheme
 * @param cacheBytesUsed bytes in the cache directory (clean chunks plus dirty data)
 * @param cacheDirtyBytes of those, bytes not yet uploaded
 * @param cacheSizeLimit the configured limit, 0 = unlimited
 * @param pendingUploads sealed snapshots waiting for upload or commit
 * @param openFiles files with open handles or pending data
 * @param chunkSize the chunk size in bytes
 */
public record RiverFsStatus(
    String metadataScheme,
    String blobScheme,
    String coordinatorScheme,
    long cacheBytesUsed,
    long cacheDirtyBytes,
    long cacheSizeLimit,
    int pendingUploads,
    int openFiles,
    int chunkSize) {}
