package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The durability contract through a real mount: once close(2) returned, a kill -9 of the mount loses nothing (the
 * data is in the cache file and the upload journal names it, or, for the small files here, the journal record holds
 * their bytes, whether or not the upload had started); what fsync(2)
 * returned for is in the blob store. Uploads race the kill here on purpose: some files are uploaded, some are being
 * uploaded, some wait; the next mount must serve every one of them intact, and fsck must find nothing wrong.
 */
class KillNineAfterCloseIT {
  static final int SMALL_FILES = 200;

  @RegisterExtension
  final JarMountExtension fs = new JarMountExtension("truckeefs-kill9-it-");

  private static byte[] content(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void everyClosedFileIsIntactAfterAKillNine_andEveryFsyncedOne() throws Exception {
    Process p = fs.mount();
    Files.createDirectory(fs.mnt().resolve("d"));
    for (int i = 0; i < SMALL_FILES; i++) {
      Files.write(fs.mnt().resolve("d/small-" + i), content(100 + i * 37, i)); // create, write, close(2)
    }
    byte[] big = content(9 * 1024 * 1024 + 3, 1_000);
    Files.write(fs.mnt().resolve("d/big"), big);
    byte[] synced = content(3 * 1024 * 1024 + 1, 2_000);
    try (FileChannel ch = FileChannel.open(fs.mnt().resolve("d/synced"), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(synced));
      ch.force(true);
    }
    p.destroyForcibly(); // SIGKILL right after the last close returned
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

    fs.mount();
    for (int i = 0; i < SMALL_FILES; i++) {
      assertThat(Files.readAllBytes(fs.mnt().resolve("d/small-" + i))).as("small-%d", i)
          .isEqualTo(content(100 + i * 37, i));
    }
    assertThat(Files.readAllBytes(fs.mnt().resolve("d/big"))).isEqualTo(big);
    assertThat(Files.readAllBytes(fs.mnt().resolve("d/synced"))).isEqualTo(synced);
    fs.umount();
    assertThat(fs.started(1).waitFor(60, TimeUnit.SECONDS)).isTrue();
    Cli fsck = fs.cli("fsck");
    assertThat(fsck.code()).as(fsck.out()).isZero();
    assertThat(fs.cli("status").out()).contains("pending:      0 upload(s)");
  }
}
