package org.truckeefs.core;

import java.time.Clock;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.testkit.AbstractMetadataStoreContractTest;

/** The MetadataStore contract on the in-memory store. */
class InMemoryMetadataStoreContractTest extends AbstractMetadataStoreContractTest {
  @Override
  protected MetadataStore createStore() {
    return new InMemoryMetadataStore(Clock.systemUTC());
  }
}
