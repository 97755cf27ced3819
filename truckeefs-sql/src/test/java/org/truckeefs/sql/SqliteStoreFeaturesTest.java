package org.truckeefs.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.spi.MetadataStore;

class SqliteStoreFeaturesTest extends AbstractSqlStoreFeaturesTest {
  @TempDir Path dir;

  @Override
  MetadataStore open() throws Exception {
    return TestBackends.sqlite(dir.resolve("metadata.db"));
  }
}
