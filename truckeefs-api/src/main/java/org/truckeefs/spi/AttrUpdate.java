package org.truckeefs.spi;

import java.time.Instant;

/**
 * Attribute changes for {@link MetadataStore#setAttributes}; a {@code null} field stays as it is. Core decides
 * the values (permission rules, clearing setuid on chown, ...); the store only writes them. Size changes go
 * through {@link MetadataStore#commitContent}.
 */
public record AttrUpdate(Integer mode, Integer uid, Integer gid, Instant atime, Instant mtime, Instant ctime) {}
