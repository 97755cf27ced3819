package org.truckeefs.tahoe;

import java.nio.file.Path;
import org.junit.jupiter.api.AutoClose;
import org.truckeefs.api.FileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.testkit.fs.AbstractFunctionalSuite;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** The RiverFS functional suite with the Tahoe store (FLAT) on the gateway emulator. */
class TahoeFlatFunctionalIT extends AbstractFunctionalSuite {
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start();
  private TahoeRiverFs harness;

  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    harness = new TahoeRiverFs(gw, tmp);
    return harness.open();
  }

  @Override
  protected FileSystem reopen(FileSystem old, Path tmp) throws Exception {
    old.close();
    return harness.open();
  }

  /** Tahoe frees space by lease expiry, so "stored" means still referenced: the blobs whose leases are renewed. */
  @Override
  protected long storedBlobCount() throws Exception {
    return harness.meta.liveBlobs(null, Integer.MAX_VALUE).size();
  }

  @Override
  protected int multiChunkSize() {
    return 3 * 256 * 1024 + 123;
  }

  RiverFS riverFs() {
    return (RiverFS) fs;
  }
}
