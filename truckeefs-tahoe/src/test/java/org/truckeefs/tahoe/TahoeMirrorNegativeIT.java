package org.truckeefs.tahoe;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractNegativeSuite;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** The RiverFS negative-case suite with the Tahoe store (MIRROR) on the gateway emulator. */
class TahoeMirrorNegativeIT extends AbstractNegativeSuite {
  private static TahoeGatewayEmulator gw;

  @BeforeAll
  static void startGateway() {
    gw = TahoeGatewayEmulator.start();
  }

  @AfterAll
  static void stopGateway() {
    gw.close();
  }

  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    return new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR").open();
  }
}
