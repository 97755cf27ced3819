package org.truckeefs.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.spi.MetadataStore;

/** Close and reopen the SQLite file: the same tree, attributes, xattrs, chunks, orphans and journal. */
class SqliteRestartTest {
  @TempDir
  Path dir;

  @Test
  void reopenedStore_hasTheSameTree() throws Exception {
    Path file = dir.resolve("metadata.db");
    String before;
    try (MetadataStore s = TestBackends.sqlite(file)) {
      StoreRestartCheck.buildTree(s);
      before = StoreRestartCheck.describe(s);
    }
    try (MetadataStore s = TestBackends.sqlite(file)) {
      StoreRestartCheck.assertSameAfterReopen(before, StoreRestartCheck.describe(s));
    }
  }
}
