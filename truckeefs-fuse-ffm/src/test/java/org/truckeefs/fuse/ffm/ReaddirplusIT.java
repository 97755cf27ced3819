package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ls -l} is served by READDIRPLUS: the listing carries every entry's attributes, so no lookup per name. */
class ReaddirplusIT {
  private static final int FILES = 300;
  private static FfmFixture f;

  @BeforeAll
  static void mount() throws Exception {
    f = FfmFixture.mount();
  }

  @AfterAll
  static void unmount() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  @Test
  void lsLongListsWithoutALookupPerEntry() throws Exception {
    Path d = Files.createDirectory(f.path("many"));
    for (int i = 0; i < FILES; i++) {
      Files.writeString(d.resolve("file-" + i), "x".repeat(i));
    }
    // Remount-free way to start cold: a fresh directory the kernel has never listed, under a new name.
    Files.move(d, f.path("cold"));
    f.resetCounts();
    String out = FfmFixture.sh("ls -l " + f.path("cold"));
    assertThat(out.lines().filter(l -> l.contains("file-"))).hasSize(FILES);
    assertThat(out).contains(" 299 ").contains("file-299");
    assertThat(f.calls("readdirplus")).isPositive().isLessThan(FILES / 10);
    assertThat(f.calls("lookup") + f.calls("getattr")).as("lookups and getattrs").isLessThan(10);
  }
}
