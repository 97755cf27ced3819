package org.truckeefs.sql;

import java.nio.file.Path;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractModelBasedSuite;

/**
 * The model-based suite on RiverFS with SQLite metadata: one seed of 10,000 operations (core runs more seeds on
 * the in-memory store).
 */
class SqliteModelBasedSuiteTest extends AbstractModelBasedSuite {
  @Override
  protected FileSystem createFileSystem(Path dir) throws Exception {
    return RiverFsOnSql.open(RiverFsOnSql.sqlite(dir), dir);
  }

  @Override
  protected long[] seeds() {
    return new long[] {11};
  }
}
