package org.truckeefs.sql;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.testkit.AbstractMetadataStoreContractTest;

/** The MetadataStore contract on the local MariaDB, in a database made for this class and dropped after it. */
class MariaDbMetadataStoreContractIT extends AbstractMetadataStoreContractTest {
  private static String database;

  @BeforeAll
  static void createDatabase() throws Exception {
    database = TestBackends.createMariaDbDatabase();
  }

  @AfterAll
  static void dropDatabase() throws Exception {
    TestBackends.dropMariaDbDatabase(database);
  }

  @Override
  protected MetadataStore createStore() throws Exception {
    return TestBackends.mariaDb(database);
  }
}
