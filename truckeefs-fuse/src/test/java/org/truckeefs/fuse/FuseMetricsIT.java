package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.testkit.RequiredService;

/** Through a real mount (jnr-fuse): the funnel's per-op timers move and libfuse's workers carry our names. */
class FuseMetricsIT {
  @TempDir Path dir;

  @Test
  void aWorkloadMovesThePerOpCounters_andWorkersAreNamed() throws Exception {
    FuseAdapter adapter = FuseAdapters.select(FuseAdapters.JNR, n -> {});
    RequiredService.require(adapter.problems().isEmpty(), String.join("; ", adapter.problems()));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Path mnt = Files.createDirectory(dir.resolve("mnt"));
    RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(Map.of("data_dir", dir.resolve("data").toString(),
        "metadata_uri", "memory:")));
    Set<String> threads = ConcurrentHashMap.newKeySet();
    FileSystem seen = (FileSystem) Proxy.newProxyInstance(FileSystem.class.getClassLoader(),
        new Class<?>[] {FileSystem.class}, (p, m, args) -> {
          threads.add(Thread.currentThread().getName());
          try {
            return m.invoke(fs, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (MountedFs mount = adapter.mount(seen, mnt, FuseOptions.defaults().withMeters(registry))) {
      threads.clear(); // mounting asked from this thread whether fs supports locks
      for (int i = 0; i < 5; i++) {
        Files.write(mnt.resolve("f" + i), new byte[10_000]);
        assertThat(Files.readAllBytes(mnt.resolve("f" + i))).hasSize(10_000);
      }
      assertThatThrownBy(() -> Files.readAllBytes(mnt.resolve("missing"))).isInstanceOf(NoSuchFileException.class);

      assertThat(count(registry, "write", "ok")).isGreaterThanOrEqualTo(5);
      assertThat(count(registry, "read", "ok")).isGreaterThanOrEqualTo(5);
      assertThat(count(registry, "create", "ok")).isEqualTo(5);
      assertThat(count(registry, "getattr", "ENOENT")).isPositive();
      assertThat(registry.find(FuseCalls.OPS).tag("op", "write").timer().totalTime(
          java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
      // jnr-ffi detaches libfuse's threads after each callback: their names are seen from inside a call
      assertThat(threads).isNotEmpty().allMatch(n -> n.matches(FuseCalls.WORKER_PREFIX + "\\d+"), "named workers");
    }
  }

  private static long count(SimpleMeterRegistry r, String op, String outcome) {
    Timer t = r.find(FuseCalls.OPS).tags("op", op, "outcome", outcome).timer();
    return t == null ? 0 : t.count();
  }
}
