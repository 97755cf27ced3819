package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadaheadTest {
  private static final List<String> MOUNTINFO = List.of(
      "26 1 0:23 / / rw,relatime shared:1 - ext4 /dev/vda rw",
      "44 26 0:39 / /tmp/m rw,nosuid,nodev,relatime - fuse.truckeefs truckeefs rw,user_id=0,group_id=0",
      "45 26 0:40 / /tmp/with\\040space rw,nosuid - fuse.truckeefs truckeefs rw",
      "46 44 0:41 / /tmp/m rw,nosuid - fuse.truckeefs truckeefs rw",
      "47 26 0:42 / /tmp/tmpfs rw - tmpfs tmpfs rw");

  @Test
  void theNewestFuseMountAtThePathNamesTheDevice() {
    assertThat(Readahead.device(MOUNTINFO, Path.of("/tmp/m"))).isEqualTo("0:41");
    assertThat(Readahead.device(MOUNTINFO, Path.of("/tmp/with space"))).isEqualTo("0:40");
  }

  @Test
  void anotherFilesystemOrNoMount_isNull() {
    assertThat(Readahead.device(MOUNTINFO, Path.of("/tmp/tmpfs"))).isNull();
    assertThat(Readahead.device(MOUNTINFO, Path.of("/tmp/none"))).isNull();
  }
}
