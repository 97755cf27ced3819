package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.testkit.RequiredService;

/**
 * The low-level adapter's mount in another process: SIGTERM unmounts cleanly with the data kept; kill -9 leaves a
 * stale mount ("Transport endpoint is not connected") that the next mount clears, as with the jnr-fuse adapter.
 */
class LifecycleIT {
  private Path base;
  private Path data;
  private Path mnt;
  private Process p;

  @BeforeEach
  void dirs() throws Exception {
    RequiredService.require(new FfmAdapter().problems().isEmpty(), String.join("; ", new FfmAdapter().problems()));
    base = Files.createTempDirectory("truckeefs-ffm-life-");
    data = base.resolve("data");
    mnt = Files.createDirectory(base.resolve("mnt"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (p != null && p.isAlive()) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (FuseMount.isMountedAt(mnt)) {
      FuseMount.unmountExternal(mnt);
    }
    FfmFixture.deleteTree(base);
  }

  private BufferedReader start() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), MountMain.class.getName(),
        data.toString(), mnt.toString()));
    p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    assertThat(lineStartingWith(out, "mounted")).isEqualTo("mounted");
    assertThat(FuseMount.isMountedAt(mnt)).isTrue();
    return out;
  }

  /** The child's first stdout line starting with {@code prefix} (logging may print before it); null at its end. */
  private static String lineStartingWith(BufferedReader out, String prefix) throws Exception {
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    return null;
  }

  @Test
  void sigtermUnmountsCleanlyAndKeepsTheData() throws Exception {
    BufferedReader out = start();
    Files.writeString(mnt.resolve("kept"), "data");
    // kill(1), not Process.destroy(): destroy also closes our end of the child's stdout.
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor()).isZero();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(lineStartingWith(out, "unmounted")).isEqualTo("unmounted cleanly");
    assertThat(FuseMount.isMountedAt(mnt)).isFalse();
    start();
    assertThat(Files.readString(mnt.resolve("kept"))).isEqualTo("data");
  }

  @Test
  void aKilledProcessLeavesAStaleMountThatTheNextMountClears() throws Exception {
    start();
    Files.writeString(mnt.resolve("closed"), "durable after close");
    p.destroyForcibly(); // SIGKILL
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(FuseMount.isMountedAt(mnt)).as("a killed process leaves its mount behind").isTrue();
    try {
      Files.readAttributes(mnt, "unix:ino");
      throw new AssertionError("a stale mount should not answer");
    } catch (FileSystemException e) {
      // ENOTCONN once the kernel saw the device closed; ECONNABORTED if the connection was aborted mid-request
      assertThat(e.getReason()).containsAnyOf("not connected", "connection abort");
    }
    start();
    assertThat(Files.readString(mnt.resolve("closed"))).isEqualTo("durable after close");
  }
}
