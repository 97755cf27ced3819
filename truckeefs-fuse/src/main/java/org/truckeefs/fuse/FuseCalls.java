package org.truckeefs.fuse;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The one funnel every FUSE callback goes through: it times the call, maps {@link FsException} to
 * {@code -errno}, and turns any other Throwable into EIO with a log line, because an exception must never
 * unwind into native code. Both adapters (jnr-fuse and the libfuse 3 low-level one) use it, so an error becomes
 * an errno in this one place.
 */
public final class FuseCalls {
  private static final Logger log = LoggerFactory.getLogger("org.truckeefs.fuse.calls");

  /** One callback's body; returns the value FUSE expects (0 or a byte count). */
  @FunctionalInterface
  public interface Call {
    int run() throws Exception;
  }

  private final long slowNanos;

  public FuseCalls(Duration slowCall) {
    this.slowNanos = slowCall.toNanos();
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
      log.error("{} {} failed unexpectedly; answering EIO", op, path, t);
      result = -FsError.IO.errno();
    }
    long took = System.nanoTime() - start;
    if (took > slowNanos) {
      log.warn("slow {} {}: {} ms (result {})", op, path, took / 1_000_000, result);
    } else if (log.isTraceEnabled()) {
      log.trace("{} {} -> {} in {} us", op, path, result, took / 1000);
    }
    return result;
  }
}
