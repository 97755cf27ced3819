package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.testkit.SmallDisk;

class BackgroundTest {
  @Test
  void fstabCallBecomesABackgroundMountWithLibfuseOptionsOnly() {
    String[] call = {"/etc/truckeefs.yaml", "/mnt/t", "-o", "rw,_netdev,nofail,allow_other,x-systemd.automount,noatime"};
    assertThat(Main.isFstabCall(call)).isTrue();
    assertThat(Background.fromFstab(call))
        .containsExactly("-c", "/etc/truckeefs.yaml", "mount", "--background", "/mnt/t", "-o", "allow_other");
    assertThat(Background.fromFstab(new String[] {"truckeefs", "/mnt/t"})).containsExactly("mount", "--background", "/mnt/t");
  }

  @Test
  void ordinaryCommandsAreNotFstabCalls() {
    assertThat(Main.isFstabCall(new String[] {"mount", "/mnt/t"})).isFalse();
    assertThat(Main.isFstabCall(new String[] {"-c", "x.yaml", "mount", "/mnt/t"})).isFalse();
    assertThat(Main.isFstabCall(new String[] {"status"})).isFalse();
  }

  @TempDir Path dir;

  /** A child that could not write its error (its output file's disk is full) is explained, naming what to free. */
  @Test
  void aChildThatSaidNothing_onAFullDisk_isExplainedAsAFullDisk() throws Exception {
    try (SmallDisk disk = SmallDisk.mount(dir.resolve("small"), 1 << 20)) {
      Path log = Files.createFile(disk.dir().resolve("mount.out"));
      try (OutputStream fill = Files.newOutputStream(disk.dir().resolve("filler"))) {
        byte[] block = new byte[64 * 1024];
        while (true) {
          fill.write(block);
        }
      } catch (IOException full) {
        assertThat(full.getMessage()).contains("No space left");
      }
      assertThat(Background.silentEnd(log, 1)).contains("no space left on the disk of " + disk.dir())
          .contains("exit 1");
    }
    Path log = Files.createFile(dir.resolve("mount.out"));
    assertThat(Background.silentEnd(log, 1)).doesNotContain("no space").contains(log.toString());
  }
}
