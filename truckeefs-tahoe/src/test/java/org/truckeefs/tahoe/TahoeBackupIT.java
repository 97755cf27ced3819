package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.core.MetadataBackup;
import org.truckeefs.core.RiverFS;
import org.truckeefs.testkit.backup.SampleTree;
import org.truckeefs.testkit.tahoe.EmulatedEntry;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** Metadata backups to Tahoe on the emulator: stored under rootcap, pruned to backup_keep, restored byte-identical. */
class TahoeBackupIT {
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start();
  @TempDir Path tmp;

  @Test
  void backupsAreLinkedUnderRootcapPrunedAndRestoreIntoAFreshStore() throws Exception {
    TahoeRiverFs a = new TahoeRiverFs(gw, tmp.resolve("a"), "backup_keep", "2", "backup_interval", "0");
    Map<String, String> before;
    String newest;
    try (RiverFS fs = a.open()) {
      SampleTree.build(fs, 256 * 1024);
      before = SampleTree.describe(a.meta, fs);
      String first = fs.backupNow();
      String second = fs.backupNow();
      newest = fs.backupNow();
      assertThat(List.of(first, second, newest)).doesNotHaveDuplicates();
      assertThat(newest).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}Z\\.json");
      Map<String, EmulatedEntry> backups = backupsDir(a.rootcap);
      assertThat(backups.keySet()).containsExactlyInAnyOrder(second, newest);
      assertThat(backups.get(newest).directory()).isFalse();
      assertThat(new String(gw.contents(backups.get(newest).cap()).orElseThrow()))
          .startsWith("{\"format\":\"truckeefs-metadata-dump\"");
    }

    TahoeRiverFs b = new TahoeRiverFs(gw, tmp.resolve("b"));
    ScheduledExecutorService scheduler = TahoeStores.scheduler();
    try (TahoeBlobStore store = TahoeStores.open(TahoeStores.settings(gw.url(), a.rootcap), tmp.resolve("s"),
        scheduler)) {
      List<String> listed = MetadataBackup.list(store);
      assertThat(listed).hasSize(2).last().isEqualTo(newest);
      MetadataBackup.restore(store, newest, b.meta, null);
    } finally {
      scheduler.shutdownNow();
    }
    try (RiverFS fs = b.open()) { // an empty cache: every byte comes from the grid
      assertThat(SampleTree.describe(b.meta, fs)).isEqualTo(before);
    }
  }

  @Test
  void backupsAreTakenOnTheSchedule() throws Exception {
    TahoeRiverFs a = new TahoeRiverFs(gw, tmp, "backup_interval", "100ms");
    try (RiverFS fs = a.open()) {
      SampleTree.build(fs, 256 * 1024);
      // Each backup renews the leases of the backups kept, itself included, and of rootcap.
      TahoeRiverFs.await(Duration.ofSeconds(10), "a scheduled backup with its lease renewed",
          () -> backupsDir(a.rootcap).values().stream().anyMatch(b -> gw.leaseRenewals(b.cap()) > 0));
    }
    assertThat(gw.leaseRenewals(a.rootcap)).isPositive();
  }

  @Test
  void badBackupSettingsFailTheOpenWithOneLine() throws Exception {
    TahoeRiverFs a = new TahoeRiverFs(gw, tmp, "backup_keep", "0");
    assertThatThrownBy(a::open).isInstanceOfSatisfying(FsException.class,
        e -> assertThat(e.error()).isEqualTo(FsError.INVALID)).hasMessageContaining("backup_keep");
  }

  private static Map<String, EmulatedEntry> backupsDir(String rootcap) {
    return gw.list(rootcap)
        .map(root -> root.get(".truckeefs"))
        .flatMap(dir -> gw.list(dir.cap()))
        .map(dir -> dir.get("backups"))
        .flatMap(dir -> gw.list(dir.cap()))
        .orElse(Map.of());
  }
}
