package org.truckeefs.sql;

import java.net.URI;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh, migrated MariaDB database for one test class, dropped after it; {@link #emptied()} clears it between
 * tests. Register it as a static field: the suites it serves extend different abstract suites, so no base class.
 */
final class MariaDbDatabase implements BeforeAllCallback, AfterAllCallback {
  private String name;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    name = TestBackends.createMariaDbDatabase();
    TestBackends.mariaDb(name).close(); // migrate once, so each test only empties the tables
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (name != null) {
      TestBackends.dropMariaDbDatabase(name);
    }
  }

  /** The store URI after emptying every table, for a test's fresh filesystem. */
  URI emptied() throws Exception {
    RiverFsOnSql.emptyMariaDb(name);
    return uri();
  }

  /** The store URI as it is, for a reopen. */
  URI uri() {
    return TestBackends.mariaDbUri(name);
  }
}
