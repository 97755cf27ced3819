package org.truckeefs.sql;

import java.nio.file.Path;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractNegativeSuite;

/** The negative FileSystem suite on RiverFS with metadata in an SQLite file. */
class SqliteNegativeSuiteTest extends AbstractNegativeSuite {
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
