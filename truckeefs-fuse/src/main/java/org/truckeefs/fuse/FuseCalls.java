package org.truckeefs.fuse;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The one funnel every FUSE callback goes through: it times the call, maps {@link FsException} to
 * {@code -errno}, and turns any other Throwable into EIO with a log line, because an exception must never
 * unwind into native code. Both adapters (jnr-fuse and the libfuse 3 low-level one) use it, so an error becomes
 * an errno in this one place, and every op is counted and timed here: timer {@value #OPS} tagged {@code op} and
 * {@code outcome} ({@code ok} or the errno's name, e.g. {@code ENOENT}). The meters of an op are made on its first
 * call and then found by one map lookup, so the hot path allocates nothing.
 *
 * <p>The funnel also names the threads it runs on: libfuse's workers enter Java as anonymous attached threads
 * ({@code Thread-N}) and become {@code truckeefs-fuse-worker-TID} (see {@link WorkerNames}).
 */
public final class FuseCalls {
  /** The per-op timer's name. */
  public static final String OPS = "truckeefs.fuse.ops";
  /** The prefix of a FUSE worker thread's name. */
  public static final String WORKER_PREFIX = "truckeefs-fuse-worker-";

  private static final Logger log = LoggerFactory.getLogger("org.truckeefs.fuse.calls");
  /** Errno values we time separately; larger ones (none in {@link FsError}) share the last slot. */
  private static final int MAX_ERRNO = 128;

  /** One callback's body; returns the value FUSE expects (0 or a byte count). */
  @FunctionalInterface
  public interface Call {
    int run() throws Exception;
  }

  private final long slowNanos;
  private final MeterRegistry meters;
  private final Map<String, OpMeters> ops = new ConcurrentHashMap<>();

  /** A funnel whose meters go nowhere (tests, embedders without metrics). */
  public FuseCalls(Duration slowCall) {
    this(slowCall, new CompositeMeterRegistry());
  }

  /** A funnel that times every op into {@code meters}. */
  public FuseCalls(Duration slowCall, MeterRegistry meters) {
    this.slowNanos = slowCall.toNanos();
    this.meters = meters;
  }

  /** Runs a path-addressed callback (the jnr-fuse adapter). */
  public int run(String op, String path, Call call) {
    return run(op, (Object) path, call);
  }

  /** Runs an inode-addressed callback (the low-level adapter); {@code inode} appears in log lines only. */
  public int run(String op, long inode, Call call) {
    return run(op, (Object) inode, call);
  }

  private int run(String op, Object path, Call call) {
    WorkerNames.nameCurrent();
    long start = System.nanoTime();
    int result;
    try {
      result = call.run();
    } catch (FsException e) {
      if (log.isDebugEnabled()) {
        log.debug("{} {}: {}", op, path, e.getMessage());
      }
      result = -e.errno();
    } catch (Throwable t) {
      result = -FsError.IO.errno();
      try {
        log.error("{} {} failed unexpectedly; answering EIO", op, path, t);
      } catch (Throwable alsoBroken) {
        // logging itself failed (say, the jar was replaced under a running mount): the kernel still gets its answer
      }
    }
    try {
      long took = System.nanoTime() - start;
      meters(op).timer(result).record(took, TimeUnit.NANOSECONDS);
      if (took > slowNanos) {
        log.warn("slow {} {}: {} ms (result {})", op, path, took / 1_000_000, result);
      } else if (log.isTraceEnabled()) {
        log.trace("{} {} -> {} in {} us", op, path, result, took / 1000);
      }
    } catch (Throwable t) {
      // metrics and logging are best effort: a Throwable escaping an FFM upcall would end the JVM mid-request
    }
    return result;
  }

  /**
   * Registers the meters of {@code ops} now rather than on each op's first request, where registering (Micrometer
   * and the Prometheus collector, cold) took a millisecond or more of that request.
   */
  public void prepare(Collection<String> ops) {
    for (String op : ops) {
      meters(op);
    }
  }

  private OpMeters meters(String op) {
    OpMeters m = ops.get(op);
    return m != null ? m : ops.computeIfAbsent(op, OpMeters::new);
  }

  /** One op's timers: {@code ok} made up front, one per errno made on the first such failure. */
  private final class OpMeters {
    private final String op;
    private final Timer ok;
    private final AtomicReferenceArray<Timer> failed = new AtomicReferenceArray<>(MAX_ERRNO);

    OpMeters(String op) {
      this.op = op;
      this.ok = timer("ok");
    }

    Timer timer(int result) {
      if (result >= 0) {
        return ok;
      }
      int errno = Math.min(-result, MAX_ERRNO - 1);
      Timer t = failed.get(errno);
      if (t == null) {
        t = timer(symbol(errno)); // the registry returns the same timer to racing threads
        failed.set(errno, t);
      }
      return t;
    }

    private Timer timer(String outcome) {
      return Timer.builder(OPS).tags("op", op, "outcome", outcome)
          .description("FUSE requests by op and outcome (ok or the errno answered) and the time they took")
          .register(meters);
    }
  }

  private static String symbol(int errno) {
    for (FsError e : FsError.values()) {
      if (e.errno() == errno) {
        return e.symbol();
      }
    }
    return errno == MAX_ERRNO - 1 ? "other" : "E" + errno;
  }
}
