package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/** A directory of 100,000 entries on SQLite: creates, lookups, unlinks and a full paged listing all work. */
class SqliteLargeDirectoryTest {
  private static final int ENTRIES = 100_000;

  @TempDir
  Path dir;

  @Test
  void directoryOf100kEntries_worksEndToEnd() throws Exception {
    Instant t = Instant.parse("2024-01-01T00:00:00Z");
    try (MetadataStore s = TestBackends.sqlite(dir.resolve("metadata.db"))) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, t, null));
      InodeId big = s.create(InodeId.ROOT, Name.of("big"), new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, t, null)).id();
      NewInode file = new NewInode(InodeType.FILE, 0644, 0, 0, 0, t, null);
      for (int i = 0; i < ENTRIES; i++) {
        s.create(big, Name.of("file-" + i), file);
      }
      assertThat(s.getAttributes(big).size()).isEqualTo(ENTRIES);
      assertThat(s.lookup(big, Name.of("file-77777"))).isPresent();
      assertThat(s.lookup(big, Name.of("file-100000"))).isEmpty();
      s.unlink(big, Name.of("file-5"), false, t);
      s.create(big, Name.of("file-last"), file);
      Set<String> seen = new HashSet<>();
      long cookie = 0;
      for (List<DirEntry> page = s.readDir(big, cookie, 1000); !page.isEmpty(); page = s.readDir(big, cookie, 1000)) {
        for (DirEntry e : page) {
          assertThat(seen.add(e.name().toString())).isTrue();
        }
        cookie = page.get(page.size() - 1).cookie();
      }
      assertThat(seen).hasSize(ENTRIES).contains("file-last").doesNotContain("file-5");
    }
  }
}
