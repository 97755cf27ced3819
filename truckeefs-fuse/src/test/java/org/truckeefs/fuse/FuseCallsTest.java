package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/** The funnel counts and times each op by outcome, maps failures to errno, and names the threads it runs on. */
class FuseCallsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FuseCalls calls = new FuseCalls(Duration.ofSeconds(5), registry);

  private long count(String op, String outcome) {
    var t = registry.find(FuseCalls.OPS).tags("op", op, "outcome", outcome).timer();
    return t == null ? 0 : t.count();
  }

  @Test
  void successesAreCountedPerOp() {
    for (int i = 0; i < 3; i++) {
      assertThat(calls.run("getattr", "/a", () -> 0)).isZero();
    }
    assertThat(calls.run("read", 7L, () -> 4096)).isEqualTo(4096);
    assertThat(count("getattr", "ok")).isEqualTo(3);
    assertThat(count("read", "ok")).isEqualTo(1);
  }

  @Test
  void failuresAreCountedByErrnoName() {
    int r = calls.run("lookup", 1L, () -> {
      throw new FsException(FsError.NOT_FOUND, "nope");
    });
    assertThat(r).isEqualTo(-2);
    calls.run("lookup", 1L, () -> -FsError.ACCESS_DENIED.errno());
    calls.run("write", 1L, () -> {
      throw new IllegalStateException("bug");
    });
    assertThat(count("lookup", "ENOENT")).isEqualTo(1);
    assertThat(count("lookup", "EACCES")).isEqualTo(1);
    assertThat(count("write", "EIO")).isEqualTo(1);
    assertThat(count("lookup", "ok")).isZero();
  }

  /** Nothing may escape an FFM upcall (it would end the JVM with the kernel's request unanswered). */
  @Test
  void anErrorInTheCall_orInTheMetersThemselves_stillGivesTheKernelAnAnswer() {
    assertThat(calls.run("read", 7L, () -> {
      throw new NoClassDefFoundError("org/truckeefs/Gone");
    })).isEqualTo(-FsError.IO.errno());
    SimpleMeterRegistry broken = new SimpleMeterRegistry() {
      @Override
      protected io.micrometer.core.instrument.Timer newTimer(io.micrometer.core.instrument.Meter.Id id,
          io.micrometer.core.instrument.distribution.DistributionStatisticConfig config,
          io.micrometer.core.instrument.distribution.pause.PauseDetector pause) {
        throw new NoClassDefFoundError("io/micrometer/Gone");
      }
    };
    FuseCalls withBrokenMeters = new FuseCalls(Duration.ofSeconds(5), broken);
    assertThat(withBrokenMeters.run("getattr", 1L, () -> 0)).isZero();
    assertThat(withBrokenMeters.run("lookup", 1L, () -> {
      throw new FsException(FsError.NOT_FOUND, "nope");
    })).isEqualTo(-FsError.NOT_FOUND.errno());
  }

  @Test
  void anAttachedThreadBecomesANumberedWorker_onItsFirstCall() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>();
    Thread t = new Thread(() -> calls.run("getattr", "/", () -> {
      seen.set(Thread.currentThread().getName());
      return 0;
    }));
    t.setDaemon(true); // as jnr-ffi and FFM attach libfuse's threads
    t.start();
    t.join();
    assertThat(seen.get()).matches(FuseCalls.WORKER_PREFIX + "-?\\d+");
  }

  @Test
  void aCallerThatIsNoDaemonKeepsItsName() {
    String before = Thread.currentThread().getName();
    calls.run("getattr", "/", () -> 0);
    assertThat(Thread.currentThread().getName()).isEqualTo(before);
  }

  @Test
  void ourOwnThreadsKeepTheirNames() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>();
    Thread t = new Thread(() -> calls.run("getattr", "/", () -> {
      seen.set(Thread.currentThread().getName());
      return 0;
    }), "truckeefs-fuse-loop");
    t.setDaemon(true);
    t.start();
    t.join();
    assertThat(seen.get()).isEqualTo("truckeefs-fuse-loop");
  }
}
