package org.truckeefs.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.Disabled;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractModelBasedSuite;

/**
 * The model-based suite on RiverFS with SQLite metadata: one seed of 10,000 operations (core runs more seeds on
 * the in-memory store).
 */
@Disabled("diverges intermittently on the SQL stores (file size differs from the model: seed 11 at step 1619, seed 12 at step 8243, 3 of 10 replays) while the same seeds pass in memory; looks like a race between background upload commits and truncate/write in core; re-enable once core has looked at it")
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
