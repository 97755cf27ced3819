package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.CreateResult;
import org.truckeefs.spi.MetadataStore;

class MariaDbStoreFeaturesIT extends AbstractSqlStoreFeaturesTest {
  @RegisterExtension static final MariaDbDatabase db = new MariaDbDatabase();

  @Override
  MetadataStore open() throws Exception {
    return TestBackends.mariaDb(db.uri().getPath().substring(1));
  }

  /** A create sent whole with its COMMIT whose answer is lost: its marker shows it landed, so it is not redone. */
  @Test
  void create_whoseAnswerIsLostAfterItsCommit_returnsTheEntryItCreated_once() throws Exception {
    Transactor tx = ((SqlMetadataStore) store).transactor();
    tx.loseNextAnswer = true;
    CreateResult r = store.createEntry(dir, Name.of("lost"), spec(InodeType.FILE));
    assertThat(tx.loseNextAnswer).as("the one-trip path ran").isFalse();
    assertThat(r.created().id()).isEqualTo(store.lookup(dir, Name.of("lost")).orElseThrow().inode());
    assertThat(r.created().type()).isEqualTo(InodeType.FILE);
    assertThat(r.parent()).isEqualTo(store.getAttributes(dir));
    assertThat(store.readDir(dir, 0, 10)).hasSize(1);
  }
}
