package org.truckeefs.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractFunctionalSuite;

/** The functional FileSystem suite on RiverFS with metadata in MariaDB (one database per class, emptied per test). */
class MariaDbFunctionalSuiteIT extends AbstractFunctionalSuite {
  @RegisterExtension static final MariaDbDatabase db = new MariaDbDatabase();

  private Path tmp;

  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    this.tmp = tmp;
    return RiverFsOnSql.openCollecting(db.emptied(), tmp);
  }

  @Override
  protected FileSystem reopen(FileSystem old, Path tmp) throws Exception {
    old.close();
    return RiverFsOnSql.openCollecting(db.uri(), tmp);
  }

  /** The collector runs every 50 ms (see {@link RiverFsOnSql#openCollecting}); the suite polls this count. */
  @Override
  protected long storedBlobCount() throws Exception {
    return RiverFsOnSql.countBlobs(tmp);
  }
}
