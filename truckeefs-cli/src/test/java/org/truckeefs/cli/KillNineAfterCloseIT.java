package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.fuse.FuseEnvironment;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.testkit.RequiredService;

/**
 * The durability contract through a real mount: once close(2) returned, a kill -9 of the mount loses nothing (the
 * data is in the cache file and the upload journal names it, whether or not its upload had started); what fsync(2)
 * returned for is in the blob store. Uploads race the kill here on purpose: some files are uploaded, some are being
 * uploaded, some wait; the next mount must serve every one of them intact, and fsck must find nothing wrong.
 */
class KillNineAfterCloseIT {
  static final int SMALL_FILES = 200;

  private Path base;
  private Path mnt;
  private Path data;
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    RequiredService.require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse (FUSE kernel module) and libfuse");
    RequiredService.require(FuseEnvironment.problems().isEmpty(), String.join("; ", FuseEnvironment.problems()));
    base = Files.createTempDirectory("truckeefs-kill9-it-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    mnt = Files.createDirectory(base.resolve("mnt"));
    data = base.resolve("data");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (FuseMount.isMountedAt(mnt)) {
      new ProcessBuilder("fusermount", "-u", "-z", mnt.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
    try (Stream<Path> s = Files.walk(base)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private Process mount() throws Exception {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        Path.of("target", "truckeefs.jar").toAbsolutePath().toString(), "--data-dir", data.toString(), "mount",
        mnt.toString());
    int i = started.size();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(base.resolve("mount-" + i + ".log")
        .toFile()).start();
    started.add(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(FuseMount.isMountedAt(mnt) && log(i).contains("mounted on"))) {
      assertThat(p.isAlive()).as("mount process exited: %s", log(i)).isTrue();
      assertThat(System.nanoTime()).as("mounted within 60 s").isLessThan(deadline);
      Thread.sleep(50);
    }
    return p;
  }

  private String log(int i) throws IOException {
    Path f = base.resolve("mount-" + i + ".log");
    return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
  }

  private static byte[] content(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void everyClosedFileIsIntactAfterAKillNine_andEveryFsyncedOne() throws Exception {
    Process p = mount();
    Files.createDirectory(mnt.resolve("d"));
    for (int i = 0; i < SMALL_FILES; i++) {
      Files.write(mnt.resolve("d/small-" + i), content(100 + i * 37, i)); // create, write, close(2)
    }
    byte[] big = content(9 * 1024 * 1024 + 3, 1_000);
    Files.write(mnt.resolve("d/big"), big);
    byte[] synced = content(3 * 1024 * 1024 + 1, 2_000);
    try (FileChannel ch = FileChannel.open(mnt.resolve("d/synced"), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(synced));
      ch.force(true);
    }
    p.destroyForcibly(); // SIGKILL right after the last close returned
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

    mount();
    for (int i = 0; i < SMALL_FILES; i++) {
      assertThat(Files.readAllBytes(mnt.resolve("d/small-" + i))).as("small-%d", i).isEqualTo(content(100 + i * 37, i));
    }
    assertThat(Files.readAllBytes(mnt.resolve("d/big"))).isEqualTo(big);
    assertThat(Files.readAllBytes(mnt.resolve("d/synced"))).isEqualTo(synced);
    assertThat(Cli.run("--data-dir", data.toString(), "umount", mnt.toString()).code()).isZero();
    assertThat(started.get(1).waitFor(60, TimeUnit.SECONDS)).isTrue();
    Cli fsck = Cli.run("--data-dir", data.toString(), "fsck");
    assertThat(fsck.code()).as(fsck.out()).isZero();
    assertThat(Cli.run("--data-dir", data.toString(), "status").out()).contains("pending:      0 upload(s)");
  }
}
