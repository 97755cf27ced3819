package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.testkit.tahoe.Fault;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** RiverFS on Tahoe (FLAT): lease renewal seen on the gateway, and write-back surviving gateway faults. */
class TahoeRiverFsIT {
  @TempDir Path tmp;
  @AutoClose
  final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start();

  private static byte[] bytes(int n, long seed) {
    return TahoeBlobStoreIT.bytes(n, seed);
  }

  private static List<BlobRef> blobsOf(TahoeRiverFs h, InodeId inode) throws FsException {
    return h.meta.chunks(inode).stream().map(ChunkRef::blob).toList();
  }

  @Test
  void leaseRenewal_renewsLiveBlobs_andNotReleasedOnes() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "lease_renewal_interval", "100ms");
    try (RiverFS fs = h.open()) {
      PathFileSystem p = new PathFileSystem(fs);
      p.write("/kept", bytes(300_000, 1));
      p.write("/dropped", bytes(300_000, 2));
      fs.syncAll();
      List<BlobRef> kept = blobsOf(h, p.stat("/kept").id());
      List<BlobRef> dropped = blobsOf(h, p.stat("/dropped").id());
      assertThat(kept).hasSize(2);
      p.delete("/dropped");
      int droppedBefore = dropped.stream().mapToInt(b -> gw.leaseRenewals(b.value())).sum();
      TahoeRiverFs.await(Duration.ofSeconds(10), "two renewals of every live blob",
          () -> kept.stream().allMatch(b -> gw.leaseRenewals(b.value()) >= 2));
      int droppedAfter = dropped.stream().mapToInt(b -> gw.leaseRenewals(b.value())).sum();
      assertThat(droppedAfter).as("renewals of released blobs after their release").isLessThanOrEqualTo(droppedBefore
          + dropped.size());
      TahoeRiverFs.await(Duration.ofSeconds(10), "a renewal round after the release settled",
          () -> kept.stream().allMatch(b -> gw.leaseRenewals(b.value()) >= 4));
      int settled = dropped.stream().mapToInt(b -> gw.leaseRenewals(b.value())).sum();
      TahoeRiverFs.await(Duration.ofSeconds(10), "more renewals of the live blobs",
          () -> kept.stream().allMatch(b -> gw.leaseRenewals(b.value()) >= 6));
      assertThat(dropped.stream().mapToInt(b -> gw.leaseRenewals(b.value())).sum())
          .as("released blobs are no longer renewed").isEqualTo(settled);
    }
  }

  @Test
  void gatewayDown_keepsCommittedContent_andUploadsPendingDataOnRecovery() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp);
    byte[] v1 = bytes(600_000, 1);
    byte[] v2 = bytes(600_000, 2);
    InodeId inode;
    List<BlobRef> committed;
    try (RiverFS fs = h.open()) {
      PathFileSystem p = new PathFileSystem(fs);
      p.write("/f", v1);
      fs.syncAll();
      inode = p.stat("/f").id();
      committed = blobsOf(h, inode);

      gw.injectFaults("PUT", 1_000_000, Fault.noServers());
      p.write("/f", v2); // close() journals the data and returns; the upload keeps failing
      assertThatThrownBy(fs::syncAll).isInstanceOf(FsException.class);
      assertThat(blobsOf(h, inode)).as("metadata still names the committed content").isEqualTo(committed);
      assertThat(p.readAllBytes("/f")).as("this host reads its pending data").isEqualTo(v2);
      try (RiverFS other = h.openWithEmptyCache("other")) {
        assertThat(new PathFileSystem(other).readAllBytes("/f")).as("another host reads the committed content")
            .isEqualTo(v1);
      }

      gw.clearFaults();
      TahoeRiverFs.await(Duration.ofSeconds(20), "the pending upload to be committed",
          () -> {
            try {
              return !blobsOf(h, inode).equals(committed);
            } catch (FsException e) {
              return false;
            }
          });
      fs.syncAll();
    }
    try (RiverFS fresh = h.openWithEmptyCache("fresh")) {
      assertThat(new PathFileSystem(fresh).readAllBytes("/f")).isEqualTo(v2);
    }
  }

  @Test
  void slowGateway_writesAndReadsStillComplete() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp);
    byte[] data = bytes(700_000, 3);
    gw.injectFaults(null, 5, Fault.delay(Duration.ofMillis(300)));
    gw.injectFaults("PUT", 2, Fault.dropConnection());
    try (RiverFS fs = h.open()) {
      new PathFileSystem(fs).write("/slow", data);
      fs.syncAll();
    }
    try (RiverFS fresh = h.openWithEmptyCache("fresh")) {
      assertThat(new PathFileSystem(fresh).readAllBytes("/slow")).isEqualTo(data);
    }
  }
}
