package org.truckeefs.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractFunctionalSuite;

/** The functional FileSystem suite on RiverFS with metadata in MariaDB (one database per class, emptied per test). */
class MariaDbFunctionalSuiteIT extends AbstractFunctionalSuite {
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

  private Path tmp;

  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    RiverFsOnSql.emptyMariaDb(database);
    this.tmp = tmp;
    return RiverFsOnSql.openCollecting(TestBackends.mariaDbUri(database), tmp);
  }

  @Override
  protected FileSystem reopen(FileSystem old, Path tmp) throws Exception {
    old.close();
    return RiverFsOnSql.openCollecting(TestBackends.mariaDbUri(database), tmp);
  }

  /** The collector runs every 50 ms (see {@link RiverFsOnSql#openCollecting}); the suite polls this count. */
  @Override
  protected long storedBlobCount() throws Exception {
    return RiverFsOnSql.countBlobs(tmp);
  }
}
