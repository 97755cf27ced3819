package org.truckeefs.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.testkit.AbstractMetadataStoreContractTest;

/** The MetadataStore contract on an SQLite file; every test reopens the same file (and re-runs its migration). */
class SqliteMetadataStoreContractTest extends AbstractMetadataStoreContractTest {
  @TempDir
  static Path dir;

  @Override
  protected MetadataStore createStore() throws Exception {
    return TestBackends.sqlite(dir.resolve("metadata.db"));
  }
}
