package org.truckeefs.spi;

import java.time.Instant;
import java.util.Objects;
import org.truckeefs.api.InodeId;

/**
 * One pending upload in the upload journal: data that is durable in a host's cache directory but not yet in the
 * blob store. The payload is core's business (which cache files hold which chunks, the new size); the store
 * only keeps it.
 *
 * @param id assigned by {@link MetadataStore#journalAppend}; 0 before that
 * @param inode the file
 * @param owner the host (session) whose cache holds the data; only that host can resume it
 * @param baseVersion the inode version the pending data was written on top of
 * @param payload core's description of the pending data
 * @param created when it was recorded
 */
public record JournalEntry(long id, InodeId inode, String owner, long baseVersion, byte[] payload, Instant created) {
  public JournalEntry {
    Objects.requireNonNull(inode, "inode");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(created, "created");
    payload = payload.clone();
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  public JournalEntry withId(long newId) {
    return new JournalEntry(newId, inode, owner, baseVersion, payload, created);
  }
}
