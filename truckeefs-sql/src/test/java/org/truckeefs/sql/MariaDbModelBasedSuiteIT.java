package org.truckeefs.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractModelBasedSuite;

/**
 * The model-based suite on RiverFS with MariaDB metadata. One seed of 3,000 operations: every create is a durable
 * InnoDB commit (several ms on this machine), so the 10,000-operation seeds run on SQLite and in memory instead.
 */
class MariaDbModelBasedSuiteIT extends AbstractModelBasedSuite {
  private static String database;

  @BeforeAll
  static void createDatabase() throws Exception {
    database = TestBackends.createMariaDbDatabase();
    TestBackends.mariaDb(database).close();
  }

  @AfterAll
  static void dropDatabase() throws Exception {
    TestBackends.dropMariaDbDatabase(database);
  }

  @Override
  protected FileSystem createFileSystem(Path dir) throws Exception {
    RiverFsOnSql.emptyMariaDb(database);
    return RiverFsOnSql.open(TestBackends.mariaDbUri(database), dir);
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
