package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class FuseEnvironmentTest {
  @Test
  void eachMissingPieceIsOneLineNamingWhatToInstall() {
    List<String> p = FuseEnvironment.problems(Path.of("/nonexistent/fuse"), List.of("no-such-library-xyz"), "/nonexistent");
    assertThat(p).hasSize(3);
    assertThat(p.get(0)).contains("/nonexistent/fuse").contains("modprobe fuse");
    assertThat(p.get(1)).contains("libfuse2").contains("fuse3").contains("apt-get install");
    assertThat(p.get(2)).contains("fusermount").contains("fuse3");
    assertThat(p).allSatisfy(line -> assertThat(line).doesNotContain("\n"));
  }

  @Test
  void optionsAlwaysCarryBigWritesUseInoHardRemoveAndDefaultPermissions() {
    String o = String.join(" ", FuseOptions.defaults().toArgs(false));
    assertThat(o).startsWith("-o ").contains("big_writes", "use_ino", "hard_remove", "default_permissions",
        "fsname=truckeefs", "attr_timeout=1.0", "entry_timeout=1.0", "no_remote_lock").doesNotContain("allow_other");
    assertThat(String.join(" ", FuseOptions.defaults().withAllowOther(true).toArgs(true)))
        .contains("allow_other").doesNotContain("no_remote_lock");
  }

  @Test
  void mountinfoEscapesAreDecoded() {
    assertThat(MountPoints.unescape("/tmp/a\\040b\\134c")).isEqualTo("/tmp/a b\\c");
  }

  @Test
  void supplementaryGroupsComeFromProcStatus() {
    int[] mine = CallerGroups.read(Path.of("/proc/self/status"));
    assertThat(mine).isNotNull();
    assertThat(CallerGroups.read(Path.of("/nonexistent/status"))).isEmpty();
  }
}
