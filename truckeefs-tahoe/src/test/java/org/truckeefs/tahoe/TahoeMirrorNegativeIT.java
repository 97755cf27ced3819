package org.truckeefs.tahoe;

import java.nio.file.Path;
import org.junit.jupiter.api.AutoClose;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractNegativeSuite;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** The RiverFS negative-case suite with the Tahoe store (MIRROR) on the gateway emulator. */
class TahoeMirrorNegativeIT extends AbstractNegativeSuite {
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start();

  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    return new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR").open();
  }
}
