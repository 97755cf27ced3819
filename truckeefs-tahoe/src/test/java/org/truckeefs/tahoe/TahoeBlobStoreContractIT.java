package org.truckeefs.tahoe;

import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.testkit.AbstractBlobStoreContractTest;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** The shared BlobStore contract, run on the Tahoe store against the gateway emulator (FLAT). */
class TahoeBlobStoreContractIT extends AbstractBlobStoreContractTest {
  private static TahoeGatewayEmulator gw;
  private static ScheduledExecutorService scheduler;

  @BeforeAll
  static void startGateway() {
    gw = TahoeGatewayEmulator.start();
    scheduler = TahoeStores.scheduler();
  }

  @AfterAll
  static void stopGateway() {
    gw.close();
    scheduler.shutdownNow();
  }

  @Override
  protected BlobStore createStore() throws Exception {
    return TahoeStores.open(TahoeStores.settings(gw.url(), gw.createDirectory()), tmp, scheduler);
  }
}
