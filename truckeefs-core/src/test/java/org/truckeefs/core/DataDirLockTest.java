package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/** One owner per data directory: in this JVM, and against another process. */
class DataDirLockTest {
  @TempDir Path tmp;

  @Test
  void secondOpenOnTheSameDataDir_isBusyNamingThePid_andFreeAfterClose() throws Exception {
    TestFs t = TestFs.local(tmp);
    Path data = tmp.resolve("data");
    long self = ProcessHandle.current().pid();
    try (RiverFS fs = t.open()) {
      assertThat(RiverFS.dataDirOwner(data)).isEqualTo(OptionalLong.of(self));
      assertThatThrownBy(() -> t.open())
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.BUSY))
          .hasMessageContaining("process " + self).hasMessageContaining(data.toString());
    }
    assertThat(RiverFS.dataDirOwner(data)).isEmpty();
    try (RiverFS again = t.open()) {
      assertThat(RiverFS.dataDirOwner(data)).isPresent();
    }
  }

  @Test
  void dataDirOwner_ofANeverUsedDirectory_isEmpty() throws Exception {
    assertThat(RiverFS.dataDirOwner(tmp.resolve("nothing-here"))).isEmpty();
    assertThat(RiverFS.dataDirOwner(tmp)).isEmpty();
  }

  @Test
  void anotherProcessHoldingTheLock_isNamedAndRefused() throws Exception {
    Path data = Files.createDirectory(tmp.resolve("d"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        DataDirLockHolderMain.class.getName(), data.toString()).redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("locked");
      assertThat(RiverFS.dataDirOwner(data)).isEqualTo(OptionalLong.of(child.pid()));
      assertThatThrownBy(() -> RiverFS.lockDataDir(data))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.BUSY))
          .hasMessageContaining("process " + child.pid());
      // our failed attempt and probe must not have disturbed the holder
      assertThat(RiverFS.dataDirOwner(data)).isEqualTo(OptionalLong.of(child.pid()));
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(RiverFS.dataDirOwner(data)).isEmpty(); // a dead holder leaves no stale lock
    try (AutoCloseable mine = RiverFS.lockDataDir(data)) {
      assertThat(Files.readString(data.resolve("lock")).trim()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }
  }
}
