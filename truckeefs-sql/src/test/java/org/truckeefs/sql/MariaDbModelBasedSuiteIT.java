package org.truckeefs.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractModelBasedSuite;

/**
 * The model-based suite on RiverFS with MariaDB metadata. One seed of 3,000 operations: every create is a durable
 * InnoDB commit (several ms on this machine), so the 10,000-operation seeds run on SQLite and in memory instead.
 */
class MariaDbModelBasedSuiteIT extends AbstractModelBasedSuite {
  @RegisterExtension static final MariaDbDatabase db = new MariaDbDatabase();

  @Override
  protected FileSystem createFileSystem(Path dir) throws Exception {
    return RiverFsOnSql.open(db.emptied(), dir);
  }

  @Override
  protected long[] seeds() {
    return new long[] {21};
  }

  @Override
  protected int operationsPerSeed() {
    return 3_000;
  }
}
