package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.truckeefs.fuse.FuseEnvironment;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.testkit.RequiredService;

/**
 * The runnable jar mounted as a user runs it, for ITs: per test a scratch directory with a mount point {@link #mnt()}
 * and a data directory {@link #data()} (not created: the CLI makes it), foreground mounts started with their output in
 * {@code mount-N.log}, and a teardown that kills what was started, lazily unmounts a leftover mount and deletes the
 * scratch directory. Skips the test where FUSE is missing. Register with {@code @RegisterExtension}.
 */
final class JarMountExtension implements BeforeEachCallback, AfterEachCallback {
  /** How long a mount may take to be served; a cold JVM on a loaded 2-core machine needs several seconds. */
  static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(60);

  private final String prefix;
  private final List<Process> started = new ArrayList<>();
  private Path base;
  private Path mnt;
  private Path data;

  /** {@code prefix} names the scratch directory, so a leftover one says which IT left it. */
  JarMountExtension(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    RequiredService.require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse (FUSE kernel module) and libfuse");
    RequiredService.require(FuseEnvironment.problems().isEmpty(), String.join("; ", FuseEnvironment.problems()));
    started.clear();
    base = Files.createTempDirectory(prefix);
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    mnt = Files.createDirectory(base.resolve("mnt"));
    data = base.resolve("data");
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (base == null) {
      return; // skipped before anything was made
    }
    for (Process p : started) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (FuseMount.isMountedAt(mnt)) {
      new ProcessBuilder("fusermount", "-u", "-z", mnt.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
    try (Stream<Path> s = Files.walk(base)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    base = null;
  }

  Path base() {
    return base;
  }

  Path mnt() {
    return mnt;
  }

  Path data() {
    return data;
  }

  /** The java launcher of this JVM. */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The shaded jar the package phase built. */
  static String jar() {
    return Path.of("target", "truckeefs.jar").toAbsolutePath().toString();
  }

  /** {@code java -jar truckeefs.jar --data-dir DATA mount OPTIONS... MNT}, returned once it serves. */
  Process mount(String... options) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar(), "--data-dir", data.toString(), "mount"));
    cmd.addAll(List.of(options));
    cmd.add(mnt.toString());
    return start(cmd);
  }

  /** Starts {@code cmd}, a command that mounts on {@link #mnt()} in the foreground, and returns once it serves. */
  Process start(List<String> cmd) throws Exception {
    int i = started.size();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile(i).toFile()).start();
    started.add(p);
    awaitMounted(p, i);
    return p;
  }

  /** Keeps {@code p} to be killed at teardown, for a process a test started itself. */
  Process track(Process p) {
    started.add(p);
    return p;
  }

  /** The {@code i}th process {@link #start} started, in order. */
  Process started(int i) {
    return started.get(i);
  }

  /** Waits until the kernel lists the mount and process {@code i} said it serves; fails at once if it exited. */
  void awaitMounted(Process p, int i) {
    await("a mount on " + mnt + " that says it serves").atMost(MOUNT_TIMEOUT).pollInterval(Duration.ofMillis(50))
        .failFast(() -> assertThat(p.isAlive()).as("mount process exited: %s", log(i)).isTrue())
        .until(() -> FuseMount.isMountedAt(mnt) && log(i).contains("mounted on"));
  }

  /** What the {@code i}th started process printed so far. */
  String log(int i) throws IOException {
    Path f = logFile(i);
    return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
  }

  /** What the last started process printed so far. */
  String lastLog() throws IOException {
    return log(started.size() - 1);
  }

  private Path logFile(int i) {
    return base.resolve("mount-" + i + ".log");
  }

  /** Runs the CLI in this JVM against {@link #data()}. */
  Cli cli(String... args) {
    List<String> all = new ArrayList<>(List.of("--data-dir", data.toString()));
    all.addAll(List.of(args));
    return Cli.run(all.toArray(String[]::new));
  }

  /** {@code umount MNT} in this JVM, asserting it succeeded. */
  void umount() {
    Cli r = cli("umount", mnt.toString());
    assertThat(r.code()).as(r.err()).isZero();
  }
}
