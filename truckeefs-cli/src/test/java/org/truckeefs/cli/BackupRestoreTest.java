package org.truckeefs.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * End to end on the Tahoe emulator: files written, `truckeefs backup` stores one under rootcap, `backup --list`
 * shows it, and `truckeefs restore` rebuilds a fresh metadata store (another data dir) that serves the same files.
 */
class BackupRestoreTest {
  @TempDir Path dir;

  @Test
  void backupThenRestoreIntoAnEmptyStore_servesTheSameFiles() throws Exception {
    try (TahoeGatewayEmulator tahoe = TahoeGatewayEmulator.start()) {
      String rootcap = tahoe.createDirectory();
      Path a = dir.resolve("a");
      Map<String, String> settings = Map.of("data_dir", a.toString(), "rootcap", rootcap, "tahoe_url", tahoe.url(),
          "backup_interval", "0");
      byte[] big = new byte[700_000];
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) (i * 7);
      }
      try (RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(settings))) {
        PathFileSystem p = new PathFileSystem(fs);
        p.mkdirs("/d");
        p.write("/d/big.bin", big);
        p.write("/note.txt", "kept".getBytes(UTF_8));
        fs.syncAll();
      }
      String[] common = {"--rootcap", rootcap, "--tahoe-url", tahoe.url()};
      Cli backup = Cli.run(with(common, "--data-dir", a.toString(), "backup"));
      assertThat(backup.code()).as(backup.err()).isZero();
      assertThat(backup.out()).contains("stored metadata backup");
      assertThat(backup.out() + backup.err()).doesNotContain(rootcap.substring(9));
      Cli list = Cli.run(with(common, "--data-dir", a.toString(), "backup", "--list"));
      assertThat(list.code()).as(list.err()).isZero();
      assertThat(list.out().lines().count()).isEqualTo(1);

      Path b = dir.resolve("b");
      Cli wrong = Cli.run(with(common, "--data-dir", b.toString(), "restore", "no-such-backup"));
      assertThat(wrong.code()).isEqualTo(2);
      Cli restore = Cli.run(with(common, "--data-dir", b.toString(), "restore"));
      assertThat(restore.code()).as(restore.err()).isZero();
      assertThat(restore.out()).contains("restored").contains(list.out().strip());
      try (RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(Map.of("data_dir", b.toString(), "rootcap", rootcap,
          "tahoe_url", tahoe.url(), "backup_interval", "0")))) {
        PathFileSystem p = new PathFileSystem(fs);
        assertThat(p.readAllBytes("/d/big.bin")).isEqualTo(big);
        assertThat(new String(p.readAllBytes("/note.txt"), UTF_8)).isEqualTo("kept");
      }
      Cli again = Cli.run(with(common, "--data-dir", b.toString(), "restore"));
      assertThat(again.code()).as("a restore into a store that is not empty is refused").isNotZero();
    }
  }

  @Test
  void aLocalBlobStore_keepsNoBackups_andSaysWhatToUseInstead() {
    Cli r = Cli.run("--data-dir", dir.resolve("x").toString(), "backup");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("dump");
  }

  private static String[] with(String[] common, String... more) {
    String[] all = new String[common.length + more.length];
    System.arraycopy(common, 0, all, 0, common.length);
    System.arraycopy(more, 0, all, common.length, more.length);
    return all;
  }
}
