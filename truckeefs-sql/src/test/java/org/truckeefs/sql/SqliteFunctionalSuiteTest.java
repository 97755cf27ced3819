package org.truckeefs.sql;

import java.nio.file.Path;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractFunctionalSuite;

/** The functional FileSystem suite on RiverFS with metadata in an SQLite file. */
class SqliteFunctionalSuiteTest extends AbstractFunctionalSuite {
  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    return RiverFsOnSql.open(RiverFsOnSql.sqlite(tmp), tmp);
  }

  @Override
  protected FileSystem reopen(FileSystem old, Path tmp) throws Exception {
    old.close();
    return createFileSystem(tmp);
  }
}
