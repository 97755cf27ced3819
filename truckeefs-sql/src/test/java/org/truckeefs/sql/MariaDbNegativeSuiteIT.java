package org.truckeefs.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractNegativeSuite;

/** The negative FileSystem suite on RiverFS with metadata in MariaDB (one database per class, emptied per test). */
class MariaDbNegativeSuiteIT extends AbstractNegativeSuite {
  @RegisterExtension static final MariaDbDatabase db = new MariaDbDatabase();

  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    return RiverFsOnSql.open(db.emptied(), tmp);
  }

  @Override
  protected FileSystem reopen(FileSystem old, Path tmp) throws Exception {
    old.close();
    return RiverFsOnSql.open(db.uri(), tmp);
  }
}
