package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.testkit.tahoe.EmulatedEntry;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * Issue 11 item 5: a Tahoe workload through a real mount of the runnable jar at the most verbose level ({@code -vvv})
 * with a log file, in the background (so the child's output goes to {@code run/*.out}), with MIRROR on (so directory
 * caps, {@code to_dir=} and uploads of several chunks all go over the wire). Afterwards every log and output file
 * (the log file, everything under {@code run/}, what the launcher, umount and status printed) holds no {@code URI:}
 * and none of the written bytes, while the log does hold trace lines of the Tahoe client.
 */
class TahoeLogSecretsIT {
  /** Plain ASCII, so a wire logger would print it as it is. */
  private static final String MARKER = "PLAINTEXT-MARKER-" + Long.toHexString(System.nanoTime());

  @RegisterExtension
  final JarMountExtension fs = new JarMountExtension("truckeefs-secrets-it-");
  private Path base;
  private Path mnt;
  private Path data;
  private Path logFile;
  private TahoeGatewayEmulator gw;

  @BeforeEach
  void setUp() {
    base = fs.base();
    mnt = fs.mnt();
    data = fs.data();
    logFile = base.resolve("logs").resolve("truckeefs.log");
    gw = TahoeGatewayEmulator.start();
  }

  /** Runs before the extension's teardown: the background mount is unmounted as a user would, while it serves. */
  @AfterEach
  void tearDown() {
    if (FuseMount.isMountedAt(mnt)) {
      fs.cli("umount", mnt.toString());
    }
    gw.close();
    Logging.configure(0, null); // status and umount ran in this JVM at -vvv
  }

  @Test
  void aMirrorWorkloadAtTrace_leavesNoCapAndNoWrittenByteInAnyLogOrOutputFile() throws Exception {
    String rootcap = gw.createDirectory();
    Path config = Files.writeString(base.resolve("tahoe.yaml"), "rootcap: \"" + rootcap + "\"\n"
        + "tahoe_url: \"" + gw.url() + "\"\n" + "backend_storage_strategy: MIRROR\n" + "chunk_size: 64k\n");
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
    List<String> outputs = new ArrayList<>();
    // an existing data directory: the background child's output then goes to run/ in it
    Files.createDirectories(data);
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    Path childOutput = Background.outputFile(data, mnt);

    String java = JarMountExtension.java();
    String jar = JarMountExtension.jar();
    Process launcher = new ProcessBuilder(java, "-jar", jar, "-vvv", "--log-file", logFile.toString(), "-c",
        config.toString(), "--data-dir", data.toString(), "mount", "--background", mnt.toString())
        .redirectErrorStream(true).start();
    fs.track(launcher);
    String said = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(launcher.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(launcher.exitValue()).as(said).isZero();
    assertThat(FuseMount.isMountedAt(mnt)).isTrue();
    outputs.add(said);

    // The workload: every kind of request the mount makes on Tahoe with contents or caps in it.
    byte[] small = (MARKER + " tiny").getBytes(StandardCharsets.UTF_8); // a LIT cap holds these bytes
    byte[] page = contents(4096); // one CHK chunk, linked by its own cap
    byte[] big = contents(300 * 1024); // five 64 KiB chunks, streamed into the mirror
    Path sub = Files.createDirectory(mnt.resolve("sub"));
    Files.write(mnt.resolve("small.txt"), small);
    Files.write(sub.resolve("page.bin"), page);
    try (FileChannel ch = FileChannel.open(mnt.resolve("big.bin"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(big));
      ch.force(true); // fsync: uploaded and committed now
    }
    Files.move(sub.resolve("page.bin"), mnt.resolve("moved.bin"));
    Files.write(mnt.resolve("small.txt"), (MARKER + " again").getBytes(StandardCharsets.UTF_8)); // truncate, rewrite
    Files.write(mnt.resolve("gone.bin"), page);
    Files.delete(mnt.resolve("gone.bin"));
    assertThat(Files.readAllBytes(mnt.resolve("big.bin"))).isEqualTo(big);

    await("the mirror under rootcap caught up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> mirrored(rootcap, "big.bin", big.length) && mirrored(rootcap, "moved.bin", page.length)
            && mirrored(rootcap, "small.txt", MARKER.length() + 6));

    Cli status = Cli.run("-vvv", "--data-dir", data.toString(), "status");
    outputs.add(status.out());
    outputs.add(status.err());
    Cli umount = Cli.run("-vvv", "--data-dir", data.toString(), "umount", mnt.toString());
    assertThat(umount.code()).as(umount.err()).isZero();
    outputs.add(umount.out());
    outputs.add(umount.err());
    assertThat(FuseMount.isMountedAt(mnt)).isFalse();

    String log = Files.readString(logFile, StandardCharsets.ISO_8859_1);
    assertThat(log).as("-vvv reached the mount's Tahoe client").contains("org.truckeefs.tahoe").contains("PUT /uri");
    List<Path> files = logAndOutputFiles();
    assertThat(childOutput.getParent().getFileName()).hasToString("run");
    assertThat(files).as("the log file and the background mount's output").contains(logFile, childOutput);
    assertThat(Files.readString(childOutput, StandardCharsets.ISO_8859_1)).as("-vvv reached the child's output")
        .contains("DEBUG");
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.ISO_8859_1);
      assertThat(text).as(f.toString()).doesNotContain("URI:").doesNotContain(MARKER);
    }
    for (String out : outputs) {
      assertThat(out).doesNotContain("URI:").doesNotContain(MARKER);
    }
  }

  /** Content that is the marker over and over, so any slice a logger prints of it holds the whole marker. */
  private static byte[] contents(int size) {
    byte[] m = (MARKER + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = m[i % m.length];
    }
    return b;
  }

  private boolean mirrored(String rootcap, String name, long size) {
    Optional<Map<String, EmulatedEntry>> root = gw.list(rootcap);
    EmulatedEntry e = root.isPresent() ? root.get().get(name) : null;
    return e != null && e.size() == size;
  }

  /**
   * Every file of the run except the two that hold caps and contents by design: the metadata database (blob refs
   * are caps) and the cache directory (plaintext contents); both are private to the owner.
   */
  private List<Path> logAndOutputFiles() throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(base)) {
      s.filter(Files::isRegularFile)
          .filter(p -> !p.startsWith(mnt) && !p.getFileName().toString().equals("tahoe.yaml"))
          .filter(p -> !p.getFileName().toString().startsWith("metadata.db"))
          .filter(p -> !p.startsWith(data.resolve(".tahoe-cache")))
          .forEach(out::add);
    }
    return out;
  }
}
