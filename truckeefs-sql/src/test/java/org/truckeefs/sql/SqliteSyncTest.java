package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * SQLite runs WAL with synchronous=NORMAL; {@code sync()} (what fsync calls) checkpoints, so the main database file
 * alone, without its WAL, holds every commit made before: what a power loss could otherwise have taken.
 */
class SqliteSyncTest {
  @TempDir Path dir;

  @Test
  void sync_putsEarlierCommitsIntoTheDatabaseFileItself() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path copy = dir.resolve("copy").resolve("metadata.db");
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    try (MetadataStore s = TestBackends.sqlite(file)) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, now, null));
      s.create(InodeId.ROOT, Name.of("kept"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, now, null));
      s.sync();
      Files.createDirectories(copy.getParent());
      Files.copy(file, copy); // the database file only: no -wal, no -shm
    }
    try (MetadataStore s = TestBackends.sqlite(copy)) {
      assertThat(s.lookup(InodeId.ROOT, Name.of("kept"))).isPresent();
    }
  }
}
