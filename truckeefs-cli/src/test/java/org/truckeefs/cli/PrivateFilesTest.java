package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pid files, the background output and logs are private whatever the umask; existing files keep their mode. */
class PrivateFilesTest {
  @TempDir Path dir;

  @AfterEach
  void quietLogs() {
    Logging.configure(0, null);
  }

  @Test
  void aPidFile_anditsRunDirectory_areCreatedPrivate() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    try (PidFile p = PidFile.create(data, dir.resolve("mnt"))) {
      Path f = PidFile.path(data, dir.resolve("mnt"));
      assertThat(mode(f)).isEqualTo("rw-------");
      assertThat(mode(f.getParent())).isEqualTo("rwx------");
    }
  }

  @Test
  void aLogFile_isCreatedPrivate_andAnExistingOneKeepsItsMode() throws Exception {
    Path log = dir.resolve("logs").resolve("truckeefs.log");
    Logging.configure(1, log);
    assertThat(mode(log)).isEqualTo("rw-------");
    assertThat(mode(log.getParent())).isEqualTo("rwx------");
    Path shared = Files.createFile(dir.resolve("shared.log"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r-----"));
    Logging.configure(1, shared);
    assertThat(mode(shared)).isEqualTo("rw-r-----");
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
