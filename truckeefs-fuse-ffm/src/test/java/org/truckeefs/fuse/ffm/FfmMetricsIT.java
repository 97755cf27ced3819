package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.truckeefs.fuse.FuseCalls;
import org.truckeefs.fuse.FuseOptions;

/** Through the low-level adapter: the shared funnel's per-op timers move and libfuse 3's workers carry our names. */
class FfmMetricsIT {
  @Test
  void aWorkloadMovesThePerOpCounters_andWorkersAreNamed() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (FfmFixture f = FfmFixture.mount(Map.of(), FuseOptions.defaults().withMeters(registry))) {
      for (int i = 0; i < 5; i++) {
        Files.write(f.path("f" + i), new byte[10_000]);
        assertThat(Files.readAllBytes(f.path("f" + i))).hasSize(10_000);
      }
      Files.setAttribute(f.path("f0"), "user:k", java.nio.ByteBuffer.wrap(new byte[] {1}));
      assertThatThrownBy(() -> Files.setAttribute(f.path("missing"), "posix:permissions",
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))
          .isInstanceOf(NoSuchFileException.class);

      assertThat(count(registry, "create", "ok")).isEqualTo(5);
      assertThat(count(registry, "write", "ok")).isGreaterThanOrEqualTo(5);
      assertThat(count(registry, "setxattr", "ok")).isEqualTo(1);
      assertThat(count(registry, "lookup", "ok")).isPositive();
      // libfuse 3's workers stay attached to the JVM between requests, so they are seen from outside a call too
      Set<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
          .collect(Collectors.toSet());
      assertThat(names).anyMatch(n -> n.matches(FuseCalls.WORKER_PREFIX + "\\d+"));
    }
  }

  private static long count(SimpleMeterRegistry r, String op, String outcome) {
    Timer t = r.find(FuseCalls.OPS).tags("op", op, "outcome", outcome).timer();
    return t == null ? 0 : t.count();
  }
}
