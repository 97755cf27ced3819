package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.testkit.SmallDisk;

/**
 * The mapped redo log on a real full disk (an 8 MiB tmpfs): appends into the zeros it already holds keep working (a
 * sparse file would have faulted in the mapping instead), a group that needs the file to grow fails with an error
 * naming the cause, and the log stays usable and readable.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedoLogDiskFullTest {
  private static final int DISK = 8 << 20;
  @TempDir Path tmp;
  private Path disk;

  private SmallDisk smallDisk;

  @BeforeEach
  void mountSmallDisk() throws Exception {
    smallDisk = SmallDisk.mount(tmp.resolve("disk"), DISK);
    disk = smallDisk.dir();
  }

  @AfterEach
  void unmount() throws Exception {
    if (smallDisk != null) {
      smallDisk.close();
    }
  }

  /** Fills the disk with a file of its own until a write fails; returns it (delete it to make room again). */
  private Path fill() throws IOException {
    Path filler = disk.resolve("filler");
    byte[] mib = new byte[64 << 10];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(mib);
      }
    } catch (IOException full) {
      assertThat(full.getMessage()).contains("No space left");
    }
    return filler;
  }

  @Test
  void onAFullDisk_appendsFitInTheZerosAlreadyThere_andAGrowthFailsWithNoSpace() throws Exception {
    Path file = disk.resolve("metadata.db-redo");
    try (RedoLog log = RedoLog.open(file)) {
      Path filler = fill();
      for (int i = 1; i <= 1000; i++) {
        log.append(List.of(RedoLogTest.entry(i, (long) i, new byte[1000])));
      }
      assertThatThrownBy(() -> log.append(List.of(RedoLogTest.entry(1001, new byte[RedoLog.CAPACITY]))))
          .isInstanceOf(IOException.class).hasMessageContaining("No space left");
      assertThat(Files.size(file)).as("the failed growth is cut back").isEqualTo(RedoLog.CAPACITY);
      log.append(List.of(RedoLogTest.entry(1001, 1001L)));
      assertThat(log.readAll()).hasSize(1001);

      Files.delete(filler);
      log.append(List.of(RedoLogTest.entry(1002, new byte[RedoLog.CAPACITY])));
      assertThat(log.readAll()).hasSize(1002);
    }
  }

  /** A SQLite store on a full disk fails to open with ENOSPC naming data_dir, and opens once there is room. */
  @Test
  void aSqliteStore_onAFullDisk_failsToOpenWithENOSPC() throws Exception {
    Path filler = fill();
    assertThatThrownBy(() -> SqlStores.openSqlite(URI.create("sqlite:" + disk.resolve("metadata.db")),
        BackendConfig.empty(), TestBackends.context(tmp)))
        .isInstanceOfSatisfying(FsException.class, e -> {
          assertThat(e.error()).as(e.getMessage()).isEqualTo(FsError.NO_SPACE);
          assertThat(e.getMessage()).contains("data_dir").contains("no space left").contains("4 MiB free");
        });
    Files.delete(filler);
    try (SqlMetadataStore s = SqlStores.openSqlite(URI.create("sqlite:" + disk.resolve("metadata.db")),
        BackendConfig.empty(), TestBackends.context(tmp))) {
      assertThat(s).isNotNull();
    }
  }

  @Test
  void opening_onADiskWithoutRoomForTheLog_failsWithNoSpace() throws Exception {
    Path filler = fill();
    assertThatThrownBy(() -> RedoLog.open(disk.resolve("metadata.db-redo"))).isInstanceOf(IOException.class)
        .hasMessageContaining("No space left");
    assertThat(disk.resolve("metadata.db-redo")).as("the log it made is removed again").doesNotExist();
    Files.delete(filler);
    try (RedoLog log = RedoLog.open(disk.resolve("metadata.db-redo"))) {
      log.append(List.of(RedoLogTest.entry(1, 1L)));
      assertThat(log.readAll()).hasSize(1);
    }
  }
}
