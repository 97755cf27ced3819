package org.truckeefs.core;

import org.truckeefs.spi.BlobStore;
import org.truckeefs.testkit.AbstractBlobStoreContractTest;

/** The BlobStore contract on the local blob directory (the embedded default). */
class LocalBlobStoreContractTest extends AbstractBlobStoreContractTest {
  @Override
  protected BlobStore createStore() throws Exception {
    return new LocalBlobStore(tmp.resolve("blobs"));
  }
}
