package org.truckeefs.tahoe;

import java.nio.file.Path;
import org.junit.jupiter.api.AutoClose;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractModelBasedSuite;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * The model-based suite with the Tahoe store (FLAT) on the gateway emulator. Two seeds instead of four: core runs
 * the full set on embedded backends; here the point is the Tahoe data path (LIT/CHK caps, ranges, shared blobs).
 */
class TahoeFlatModelIT extends AbstractModelBasedSuite {
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start();

  @Override
  protected FileSystem createFileSystem(Path dir) throws Exception {
    return new TahoeRiverFs(gw, dir).open();
  }

  @Override
  protected long[] seeds() {
    return new long[] {11, 12};
  }
}
