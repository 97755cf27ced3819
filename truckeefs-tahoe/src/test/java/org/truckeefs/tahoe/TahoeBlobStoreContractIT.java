package org.truckeefs.tahoe;

import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AutoClose;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.testkit.AbstractBlobStoreContractTest;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** The shared BlobStore contract, run on the Tahoe store against the gateway emulator (FLAT). */
class TahoeBlobStoreContractIT extends AbstractBlobStoreContractTest {
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start();
  @AutoClose("shutdownNow")
  private static final ScheduledExecutorService scheduler = TahoeStores.scheduler();

  @Override
  protected BlobStore createStore() throws Exception {
    return TahoeStores.open(TahoeStores.settings(gw.url(), gw.createDirectory()), tmp, scheduler);
  }
}
