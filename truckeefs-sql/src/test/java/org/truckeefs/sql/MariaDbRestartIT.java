package org.truckeefs.sql;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.spi.MetadataStore;

/** Close and reopen on the same MariaDB database: the same tree, attributes, xattrs, chunks, orphans and journal. */
class MariaDbRestartIT {
  private String database;

  @BeforeEach
  void createDatabase() throws Exception {
    database = TestBackends.createMariaDbDatabase();
  }

  @AfterEach
  void dropDatabase() throws Exception {
    TestBackends.dropMariaDbDatabase(database);
  }

  @Test
  void reopenedStore_hasTheSameTree() throws Exception {
    String before;
    try (MetadataStore s = TestBackends.mariaDb(database)) {
      StoreRestartCheck.buildTree(s);
      before = StoreRestartCheck.describe(s);
    }
    try (MetadataStore s = TestBackends.mariaDb(database)) {
      StoreRestartCheck.assertSameAfterReopen(before, StoreRestartCheck.describe(s));
    }
  }
}
