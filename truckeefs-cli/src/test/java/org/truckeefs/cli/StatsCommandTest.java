package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.core.RiverFsMetrics;
import org.truckeefs.fuse.FuseCalls;

/** `truckeefs stats` reads a running filesystem's private stats socket and shows the calls of the last interval. */
class StatsCommandTest {
  @TempDir Path dir;

  @Test
  void framesShowTheFuseOpsAndBackendCallsOfAWorkload() throws Exception {
    Path data = dir.resolve("d");
    Path mp = Files.createDirectories(dir.resolve("mnt"));
    PidFile.create(data, mp).close(); // makes the private run directory, as a mount does
    PrometheusMeterRegistry registry = MetricsEndpoint.registry();
    try (RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(Map.of("data_dir", data.toString())));
        AutoCloseable closesRegistry = registry::close) {
      RiverFsMetrics.of(fs).bindTo(registry);
      FuseCalls calls = new FuseCalls(Duration.ofSeconds(5), registry); // what the FUSE adapters report through
      try (StatsSocket socket = StatsSocket.start(data, mp, registry)) {
        Path sock = StatsSocket.path(data, mp);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent()))).isEqualTo("rwx------");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger rounds = new AtomicInteger();
        Thread load = new Thread(() -> {
          PathFileSystem p = new PathFileSystem(fs);
          for (int i = 0; !stop.get(); i++) {
            int n = i;
            calls.run("write", "/w", () -> {
              p.write("/w" + (n % 50), new byte[4096]);
              return 4096;
            });
            calls.run("lookup", "/nope", () -> {
              throw new FsException(FsError.NOT_FOUND, "no");
            });
            rounds.incrementAndGet();
          }
        });
        load.start();
        try {
          // the workload runs (its first calls open the store)
          await("5 rounds of the workload").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
              .until(() -> rounds.get() >= 5);
          Cli r = Cli.run("--data-dir", data.toString(), "stats", "--interval", "1", "--once", mp.toString());
          assertThat(r.code()).as(r.err()).isZero();
          assertThat(r.out()).contains("truckeefs stats " + mp, "FUSE op", "backend call", "metadata/", "uploads");
          assertThat(r.out()).containsPattern("(?m)^write +[0-9.]+ +[0-9.]+ +0\\.0 ");
          assertThat(r.out()).containsPattern("(?m)^lookup +([0-9.]+) +[0-9.]+ +\\1 "); // every lookup failed
          assertThat(r.out().lines().filter(l -> l.startsWith("truckeefs stats"))).hasSize(1);
        } finally {
          stop.set(true);
          load.join();
        }
      }
      assertThat(StatsSocket.path(data, mp)).doesNotExist();
    }
  }

  @Test
  void noMountThere_isOneLineNamingTheDataDir() throws Exception {
    Cli r = Cli.run("--data-dir", dir.resolve("d").toString(), "stats", "--once", dir.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").contains("no mount on " + dir, dir.resolve("d").toString());
  }

  @Test
  void badInterval_isBadInput() {
    Cli r = Cli.run("--data-dir", dir.resolve("d").toString(), "stats", "--interval", "0", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--interval");
  }
}
