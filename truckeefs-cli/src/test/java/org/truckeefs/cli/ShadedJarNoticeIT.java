package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The runnable jar keeps the NOTICE texts of what it bundles (merged, ours first), as their licenses ask. */
class ShadedJarNoticeIT {

  @Test
  void noticeIsKeptAndMerged() throws Exception {
    Path jar = Path.of("target", "truckeefs.jar");
    assertThat(jar).exists();
    try (JarFile j = new JarFile(jar.toFile())) {
      var entry = j.getEntry("META-INF/NOTICE");
      assertThat(entry).as("META-INF/NOTICE in truckeefs.jar").isNotNull();
      String notice = new String(j.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
      assertThat(notice).contains("TruckeeFS", "GNU Affero General Public License");
      // Bundled libraries' own NOTICE texts (Apache License 2.0, section 4d).
      assertThat(notice).contains("Jackson", "Apache Software Foundation");
    }
  }
}
