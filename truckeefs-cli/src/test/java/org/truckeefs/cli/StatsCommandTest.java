package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/** `truckeefs stats` reads a running filesystem's metrics endpoint and shows the calls of the last interval. */
class StatsCommandTest {
  @TempDir Path dir;

  @Test
  void framesShowTheBackendCallsOfAWorkload() throws Exception {
    Path data = dir.resolve("d");
    Path mp = Files.createDirectories(dir.resolve("mnt"));
    try (RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(Map.of("data_dir", data.toString())));
        MetricsEndpoint endpoint = MetricsEndpoint.start(fs, new InetSocketAddress("127.0.0.1", 0))) {
      Path f = StatsCommand.addressFile(data, mp);
      Files.createDirectories(f.getParent());
      Files.writeString(f, "127.0.0.1:" + endpoint.address().getPort());
      AtomicBoolean stop = new AtomicBoolean();
      Thread load = new Thread(() -> {
        PathFileSystem p = new PathFileSystem(fs);
        for (int i = 0; !stop.get(); i++) {
          try {
            p.write("/w" + (i % 50), new byte[4096]);
          } catch (Exception e) {
            return;
          }
        }
      });
      load.start();
      try {
        Cli r = Cli.run("--data-dir", data.toString(), "stats", "--interval", "0.3", "--count", "2", mp.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("truckeefs stats " + mp, "calls/s", "metadata/");
      } finally {
        stop.set(true);
        load.join();
      }
    }
  }

  @Test
  void aMountWithoutMetrics_isOneLine() throws Exception {
    Cli r = Cli.run("--data-dir", dir.resolve("d").toString(), "stats", dir.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--metrics");
  }
}
