package org.truckeefs.sql;

import java.nio.file.Path;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractFunctionalSuite;

/** The functional FileSystem suite on RiverFS with metadata in an SQLite file. */
class SqliteFunctionalSuiteTest extends AbstractFunctionalSuite {
  private Path tmp;

  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    this.tmp = tmp;
    return RiverFsOnSql.openCollecting(RiverFsOnSql.sqlite(tmp), tmp);
  }

  @Override
  protected FileSystem reopen(FileSystem old, Path tmp) throws Exception {
    old.close();
    return RiverFsOnSql.openCollecting(RiverFsOnSql.sqlite(tmp), tmp);
  }

  /** The collector runs every 50 ms (see {@link RiverFsOnSql#openCollecting}); the suite polls this count. */
  @Override
  protected long storedBlobCount() throws Exception {
    return RiverFsOnSql.countBlobs(tmp);
  }
}
