package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.truckeefs.cli.JarMountExtension.jar;
import static org.truckeefs.cli.JarMountExtension.java;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.core.Backends;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.testkit.LiveFiles;

/** The runnable jar as a user runs it: mount, umount, signals, kill -9 and the next mount. */
class CliMountIT {
  @RegisterExtension
  final JarMountExtension fs = new JarMountExtension("truckeefs-cli-it-");

  private static boolean persistentMetadata() {
    return Backends.discover().hasMetadataStore("sqlite");
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void mountThenUmountLeavesNoProcessNoMountAndNoDirtyData() throws Exception {
    Process p = fs.mount();
    byte[] content = random(12 * 1024 * 1024 + 77, 1);
    Files.write(fs.mnt().resolve("f.bin"), content);
    Cli r = fs.cli("umount", fs.mnt().toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("mount process ended").isTrue();
    assertThat(p.exitValue()).as(fs.log(0)).isZero();
    assertThat(FuseMount.isMountedAt(fs.mnt())).isFalse();
    assertThat(OfflineStores.liveMounts(fs.data())).isEmpty();
    assertThat(persistentMetadata()).as("metadata persists only with the SQLite store on the class path").isTrue();
    Cli status = fs.cli("status");
    assertThat(status.out()).contains("pending:      0 upload(s)");
    Cli fsck = fs.cli("fsck");
    assertThat(fsck.code()).as(fsck.out()).isZero();
    fs.mount();
    assertThat(Files.readAllBytes(fs.mnt().resolve("f.bin"))).isEqualTo(content);
    fs.umount();
  }

  /** Issue 12: one owner per data directory, whoever asks second (another mount, or fsck --repair). */
  @Test
  void aSecondMountOnABusyDataDir_exits1_namingTheHoldersPid_andMountsNothing() throws Exception {
    Process first = fs.mount();
    Files.writeString(fs.mnt().resolve("kept"), "still here");
    Path mnt2 = Files.createDirectory(fs.base().resolve("mnt2"));
    Process second = new ProcessBuilder(java(), "-jar", jar(), "--data-dir", fs.data().toString(), "mount",
        mnt2.toString())
        .redirectErrorStream(true).start();
    fs.track(second);
    String said = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).as(said).isEqualTo(1);
    assertThat(said.strip()).as("one line").doesNotContain("\n").contains(Long.toString(first.pid()));
    assertThat(FuseMount.isMountedAt(mnt2)).isFalse();

    Cli repair = fs.cli("fsck", "--repair");
    assertThat(repair.code()).as(repair.err()).isEqualTo(1);
    assertThat(repair.err().strip()).doesNotContain("\n").contains(Long.toString(first.pid()));

    assertThat(first.isAlive()).as("the first mount serves on").isTrue();
    assertThat(Files.readString(fs.mnt().resolve("kept"))).isEqualTo("still here");
    fs.umount();
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aBackgroundMountWithAnUnreachableRedis_exits1_andLeavesNoDataDirectory() throws Exception {
    Path fresh = fs.base().resolve("fresh-data");
    Process p = new ProcessBuilder(java(), "-jar", jar(), "--data-dir", fresh.toString(), "--redis-host", "127.0.0.1:1",
        "--redis-timeout", "1", "mount", "--background", fs.mnt().toString()).redirectErrorStream(true).start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(said).isEqualTo(1);
    assertThat(said).contains("redis");
    assertThat(fresh).as("the child reached Redis before creating anything").doesNotExist();
    assertThat(FuseMount.isMountedAt(fs.mnt())).isFalse();
  }

  @Test
  void backgroundMountReturnsOnceServedAndFstabCallsWork() throws Exception {
    Process p = new ProcessBuilder(java(), "-jar", jar(), "--data-dir", fs.data().toString(), "mount", "--background",
        fs.mnt().toString())
        .redirectErrorStream(true).start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(said).isZero();
    assertThat(said).contains("in the background");
    assertThat(FuseMount.isMountedAt(fs.mnt())).isTrue();
    Files.writeString(fs.mnt().resolve("x"), "served by the detached process");
    fs.umount();
    assertThat(FuseMount.isMountedAt(fs.mnt())).isFalse();
    // mount.fuse3's convention: SOURCE MOUNTPOINT -o OPTIONS, with options for mount(8) only
    Path config = Files.writeString(fs.base().resolve("t.yaml"), "data_dir: " + fs.data() + "\n");
    Process f = new ProcessBuilder(java(), "-jar", jar(), config.toString(), fs.mnt().toString(), "-o",
        "rw,_netdev,nofail")
        .redirectErrorStream(true).start();
    String fsaid = new String(f.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(f.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(f.exitValue()).as(fsaid).isZero();
    assertThat(FuseMount.isMountedAt(fs.mnt())).isTrue();
    fs.umount();
  }

  @Test
  void sigtermIsACleanShutdown() throws Exception {
    Process p = fs.mount();
    Files.writeString(fs.mnt().resolve("a.txt"), "written before SIGTERM");
    new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
    assertThat(FuseMount.isMountedAt(fs.mnt())).as("unmounted after SIGTERM").isFalse();
    assertThat(persistentMetadata()).as("metadata persists only with the SQLite store on the class path").isTrue();
    fs.mount();
    assertThat(Files.readString(fs.mnt().resolve("a.txt"))).isEqualTo("written before SIGTERM");
  }

  /**
   * The blob store is made unwritable (its directory swapped for a file) so that the upload of a closed file stays
   * pending; kill -9 leaves a stale mount; the next mount clears it, resumes the upload and serves the data.
   */
  @Test
  void killNineAfterCloseThenTheNextMountResumesThePendingUpload() throws Exception {
    assertThat(persistentMetadata()).as("resuming needs persistent metadata (the SQLite store)").isTrue();
    Process p = fs.mount();
    Path blobs = fs.data().resolve("blobs");
    Path away = fs.data().resolve("blobs.away");
    Files.move(blobs, away);
    Files.writeString(blobs, "not a directory: uploads fail until it is back");
    byte[] content = random(9 * 1024 * 1024 + 5, 2);
    Files.write(fs.mnt().resolve("pending.bin"), content);
    p.destroyForcibly();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(FuseMount.isMountedAt(fs.mnt())).as("a killed process leaves its mount behind").isTrue();
    Files.delete(blobs);
    Files.move(away, blobs);

    fs.mount();
    assertThat(fs.log(1)).contains("clearing a stale mount");
    assertThat(Files.readAllBytes(fs.mnt().resolve("pending.bin"))).isEqualTo(content);
    fs.umount();
    assertThat(fs.started(1).waitFor(60, TimeUnit.SECONDS)).isTrue();
    Cli fsck = fs.cli("fsck");
    assertThat(fsck.code()).as(fsck.out()).isZero();
    assertThat(fs.cli("status").out()).contains("pending:      0 upload(s)");
  }

  /** The bytes of every regular file under {@code dir} (a file with two names counts twice). */
  private static long bytesUnder(Path dir) throws IOException {
    long total = 0;
    for (Path p : LiveFiles.regularFilesUnder(dir)) {
      try {
        total += Files.size(p);
      } catch (java.nio.file.NoSuchFileException gone) {
        // deleted since the walk
      }
    }
    return total;
  }

  /** A sole host with local blobs (the embedded defaults) gives a removed file's space back at once, as ext4 does. */
  @Test
  void rmOfAnFsyncedFile_givesItsSpaceBack_withinSeconds() throws Exception {
    fs.mount();
    Path f = fs.mnt().resolve("big.bin");
    int size = 24 * 1024 * 1024;
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(random(size, 3));
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true); // in the blob store, committed
    }
    long before = bytesUnder(fs.data());
    assertThat(before).isGreaterThanOrEqualTo(size);

    Files.delete(f);

    await().atMost(Duration.ofSeconds(15)).until(() -> bytesUnder(fs.data()) <= before - size);
    fs.umount();
    Cli fsck = fs.cli("fsck");
    assertThat(fsck.code()).as(fsck.out()).isZero();
  }

  /** Issue 12/13: the detached child runs with the parent's JVM options, and a password flag is not in its ps line. */
  @Test
  void backgroundChild_inheritsJvmOptions_andGetsSettingsThroughItsEnvironmentNotItsCommandLine() throws Exception {
    String secret = "hunter2-" + System.nanoTime();
    Process p = new ProcessBuilder(java(), "-Xmx321m", "-Dtruckeefs.it.marker=bg", "-jar", jar(), "--data-dir",
        fs.data().toString(), "--sql-pass", secret, "mount", "--background", fs.mnt().toString())
        .redirectErrorStream(true).start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(said).isZero();
    var m = Pattern.compile("pid (\\d+)").matcher(said);
    assertThat(m.find()).as(said).isTrue();
    long child = Long.parseLong(m.group(1));
    try {
      String cmdline = Files.readString(Path.of("/proc", Long.toString(child), "cmdline")).replace('\0', ' ');
      assertThat(cmdline).contains("-Xmx321m", "-Dtruckeefs.it.marker=bg", "mount", fs.mnt().toString())
          .doesNotContain(secret).doesNotContain("--sql-pass").doesNotContain("--background");
      Process ps = new ProcessBuilder("ps", "-eo", "args").redirectErrorStream(true).start();
      String all = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(all).as("ps shows no password").doesNotContain(secret);
      String environ = Files.readString(Path.of("/proc", Long.toString(child), "environ"));
      assertThat(environ).contains("TRUCKEEFS_SQL_PASS=" + secret);
      assertThat(Files.getPosixFilePermissions(Path.of("/proc", Long.toString(child), "environ")))
          .noneMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"));
    } finally {
      fs.umount();
    }
  }

  /** The seed's style: `truckeefs -c env.yaml` with no command mounts on the file's mount setting. */
  @Test
  void aConfigFileWithoutACommand_mountsOnItsMountSetting() throws Exception {
    Path config = Files.writeString(fs.base().resolve("env.yaml"),
        "data_dir: " + fs.data() + "\nmount: " + fs.mnt() + "\n");
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
    Process p = fs.start(List.of(java(), "-jar", jar(), "-c", config.toString()));
    assertThat(Cli.run("-c", config.toString(), "umount").code()).isZero();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }

  /** The launcher passes TRUCKEEFS_JAVA_OPTS to the JVM, and the settings parser does not take it for a setting. */
  @Test
  void theLauncher_acceptsTruckeefsJavaOpts() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of("..", "truckeefs").toAbsolutePath().normalize().toString(),
        "--data-dir", fs.data().toString(), "status").redirectErrorStream(true);
    pb.environment().put("TRUCKEEFS_JAVA_OPTS", "-Xmx200m -Dtruckeefs.it.marker=launcher");
    Process p = pb.start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(said).isZero();
    assertThat(said).contains("data dir:");
  }

  /** The launcher on the newest JDK (Java 25 here): mount and umount say their one line and no JVM warnings. */
  @Test
  void theLauncher_mountsAndUnmounts_withoutJvmWarnings() throws Exception {
    String launcher = Path.of("..", "truckeefs").toAbsolutePath().normalize().toString();
    String mnt = fs.mnt().toString();
    for (List<String> args : List.of(List.of("mount", "--background", mnt), List.of("umount", mnt))) {
      List<String> cmd = new ArrayList<>(List.of(launcher, "--data-dir", fs.data().toString()));
      cmd.addAll(args);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(said).isZero();
      assertThat(said).as("%s", args).startsWith("truckeefs: ").doesNotContain("WARNING");
    }
    assertThat(FuseMount.isMountedAt(fs.mnt())).isFalse();
    try (Stream<Path> outs = Files.list(fs.data().resolve("run"))) {
      for (Path out : outs.filter(f -> f.toString().endsWith(".out")).toList()) {
        assertThat(Files.readString(out)).as("the background child's output").doesNotContain("WARNING");
      }
    }
  }

  /**
   * The build made the JDK's AOT cache (this project's machines have Java 25) and the launcher hands it to the
   * mount's JVM, the detached child included; a cache older than the jar is not used.
   */
  @Test
  void theLauncher_usesTheBuildsAotCache_whileItIsNewerThanTheJar() throws Exception {
    Path target = Path.of(jar()).getParent();
    Path aot = target.resolve("truckeefs.aot");
    assertThat(aot).as("made by the package phase (see %s)", target.resolve("truckeefs.aot.log")).exists();
    String launcher = Path.of("..", "truckeefs").toAbsolutePath().normalize().toString();
    Process p = new ProcessBuilder(launcher, "--data-dir", fs.data().toString(), "mount", "--background",
        fs.mnt().toString()).redirectErrorStream(true).start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(said).isZero();
    var m = Pattern.compile("pid (\\d+)").matcher(said);
    assertThat(m.find()).as(said).isTrue();
    try {
      String cmdline = Files.readString(Path.of("/proc", m.group(1), "cmdline")).replace('\0', ' ');
      assertThat(cmdline).contains("-XX:AOTCache=" + aot);
    } finally {
      fs.umount();
    }
    assertThat(launcherJvmLog(launcher)).contains("Opened AOT cache " + aot);
    var aotTime = Files.getLastModifiedTime(aot);
    try {
      long jarTime = Files.getLastModifiedTime(Path.of(jar())).toMillis();
      Files.setLastModifiedTime(aot, java.nio.file.attribute.FileTime.fromMillis(jarTime - 60_000));
      // the JDK's own default archive may still log; ours is not opened
      assertThat(launcherJvmLog(launcher)).contains("truckeefs ").doesNotContain("Opened AOT cache " + aot);
    } finally {
      Files.setLastModifiedTime(aot, aotTime);
    }
  }

  /** {@code truckeefs --version} through the launcher, with the JVM's aot log lines turned back on. */
  private static String launcherJvmLog(String launcher) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(launcher, "--version").redirectErrorStream(true);
    pb.environment().put("TRUCKEEFS_JAVA_OPTS", "-Xlog:aot=info");
    Process v = pb.start();
    String said = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(v.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return said;
  }

  /** mount --metrics: scraped while files are written through the kernel, the backend counters move. */
  @Test
  void metricsEndpoint_ofARealMount_countsTheWorkload() throws Exception {
    fs.mount("--metrics", "0");
    var m = Pattern.compile("metrics at (http://\\S+/metrics)").matcher(fs.lastLog());
    assertThat(m.find()).as(fs.lastLog()).isTrue();
    java.net.URI uri = java.net.URI.create(m.group(1));
    assertThat(uri.getHost()).isEqualTo("127.0.0.1");
    for (int i = 0; i < 30; i++) {
      Files.write(fs.mnt().resolve("m" + i), random(50_000, i));
    }
    var http = java.net.http.HttpClient.newHttpClient();
    String body = http.send(java.net.http.HttpRequest.newBuilder(uri).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    double metadataCalls = Pattern.compile("(?m)^truckeefs_backend_calls_seconds_count\\{backend=\"metadata\",op=\"\\w+\"} ([0-9.eE+-]+)$")
        .matcher(body).results().mapToDouble(r -> Double.parseDouble(r.group(1))).sum();
    assertThat(metadataCalls).as(body).isGreaterThanOrEqualTo(30);
    var creates = Pattern.compile("(?m)^truckeefs_fuse_ops_seconds_count\\{op=\"create\",outcome=\"ok\"} ([0-9.eE+-]+)$")
        .matcher(body);
    assertThat(creates.find()).as(body).isTrue();
    assertThat(Double.parseDouble(creates.group(1))).isGreaterThanOrEqualTo(30);
    fs.umount();
  }

  /** `stats` needs no --metrics: it reads the mount's private socket, and shows the FUSE requests of a workload. */
  @Test
  void statsOnce_ofAMountWithoutMetrics_showsTheWorkload() throws Exception {
    fs.mount();
    Path socket = StatsSocket.path(fs.data(), fs.mnt().toAbsolutePath().normalize());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
    assertThat(OfflineStores.liveMounts(fs.data())).as("status still lists the mount next to its socket").hasSize(1);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
    Thread load = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        try {
          Files.write(fs.mnt().resolve("s" + (i % 20)), random(20_000, i));
          written.incrementAndGet();
        } catch (IOException e) {
          return;
        }
      }
    });
    load.start();
    try {
      await("5 files written").atMost(JarMountExtension.MOUNT_TIMEOUT).pollInterval(Duration.ofMillis(10))
          .until(() -> written.get() >= 5 || !load.isAlive());
      Cli r = fs.cli("stats", "--once", "--interval", "1", fs.mnt().toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("truckeefs stats " + fs.mnt(), "FUSE op", "backend call");
      assertThat(r.out()).containsPattern("(?m)^write +[1-9][0-9.]* ");
      assertThat(r.out()).containsPattern("(?m)^metadata/\\w+ +[1-9][0-9.]* ");
    } finally {
      stop.set(true);
      load.join();
    }
    fs.umount();
    assertThat(socket).as("removed when the mount ends").doesNotExist();
  }
}
