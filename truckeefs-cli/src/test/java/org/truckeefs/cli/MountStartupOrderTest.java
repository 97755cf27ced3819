package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validate, then touch: a mount whose settings are bad (exit 2) or whose backend cannot be reached (exit 1) leaves
 * no data directory behind, not even an empty one, and no metadata file.
 */
class MountStartupOrderTest {
  @TempDir Path dir;

  @Test
  void anUnreachableRedis_exits1_andLeavesNoDataDirectory() throws Exception {
    Path data = dir.resolve("data");
    Path mp = Files.createDirectory(dir.resolve("mnt"));
    Cli r = Cli.run("--data-dir", data.toString(), "--redis-host", "127.0.0.1:1", "--redis-timeout", "1",
        "mount", mp.toString());
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("redis");
    assertThat(data).doesNotExist();
  }

  @Test
  void aMalformedRootcap_exits2_andLeavesNoDataDirectory() throws Exception {
    Path data = dir.resolve("data");
    Path mp = Files.createDirectory(dir.resolve("mnt"));
    Cli r = Cli.run("--data-dir", data.toString(), "--rootcap", "not-a-cap", "--tahoe-url", "http://127.0.0.1:1",
        "mount", mp.toString());
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.err()).contains("rootcap").doesNotContain("not-a-cap");
    assertThat(data).doesNotExist();
  }
}
