package org.truckeefs.sql;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.spi.MetadataStore;

class MariaDbStoreFeaturesIT extends AbstractSqlStoreFeaturesTest {
  @RegisterExtension static final MariaDbDatabase db = new MariaDbDatabase();

  @Override
  MetadataStore open() throws Exception {
    return TestBackends.mariaDb(db.uri().getPath().substring(1));
  }
}
