package org.truckeefs.redis;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.core.Backends;
import org.truckeefs.core.LocalCoordinatorProvider;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.CoordinatorProvider;
import org.truckeefs.spi.Lease;

/**
 * What coordination adds to RiverFS operations, {@code local:} vs Redis on 127.0.0.1:6379 (a benchmark, not a
 * test: run it by hand, see the module README). Same in-memory metadata store and {@code local:} blob store for
 * both; the difference between the rows is the coordinator. Every coordinator call (and lease release) is counted:
 * on Redis each is one round trip.
 *
 * <p>Operations: open+release of an existing file (read-only, as a reader's open/close); create+write 100
 * bytes+release of a new file (write-back: the upload runs in the background); the same with fsync before release
 * (upload and commit under the commit lease in the caller's thread).
 */
public final class RiverFsCoordinationBenchmark {
  private static final int WARMUP = 500;
  private static final int N = 3_000;
  private static final Caller ROOT = Caller.ROOT;

  @FunctionalInterface
  interface Op {
    void run(RiverFS fs, int i) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String ns = "rfbench-" + ProcessHandle.current().pid();
    System.out.printf("%-6s %-28s %9s %9s %11s %14s%n", "coord", "operation", "p50 us", "p99 us", "ops/s",
        "coord calls/op");
    try {
      for (String backend : List.of("local", "redis")) {
        Path dir = Files.createTempDirectory("rfbench");
        AtomicLong calls = new AtomicLong();
        try (RiverFS fs = open(dir, ns, backend, calls)) {
          long h = fs.create(ROOT, InodeId.ROOT, Name.of("existing"), 0644, OpenFlags.READ_WRITE).handle();
          fs.write(h, 0, ByteBuffer.wrap(new byte[100]));
          fs.fsync(h, false);
          fs.release(h);
          InodeId existing = fs.lookup(ROOT, InodeId.ROOT, Name.of("existing")).id();
          measure(backend, "open+release (read)", fs, calls,
              (x, i) -> x.release(x.open(ROOT, existing, OpenFlags.READ).handle()));
          measure(backend, "create+write+release", fs, calls, (x, i) -> {
            long c = x.create(ROOT, InodeId.ROOT, Name.of("new-" + i), 0644, OpenFlags.READ_WRITE).handle();
            x.write(c, 0, ByteBuffer.wrap(new byte[100]));
            x.release(c);
          });
          fs.syncAll();
          measure(backend, "create+write+fsync+release", fs, calls, (x, i) -> {
            long c = x.create(ROOT, InodeId.ROOT, Name.of("sync-" + i), 0644, OpenFlags.READ_WRITE).handle();
            x.write(c, 0, ByteBuffer.wrap(new byte[100]));
            x.fsync(c, false);
            x.release(c);
          });
        }
      }
    } finally {
      RedisTestKeys.deleteNamespaces(List.of(ns));
    }
  }

  private static RiverFS open(Path dir, String ns, String backend, AtomicLong calls) throws Exception {
    CoordinatorProvider counted = new CoordinatorProvider() {
      @Override
      public String scheme() {
        return "counted";
      }

      @Override
      public Coordinator create(URI uri, BackendConfig c, BackendContext ctx) throws FsException {
        Coordinator real = backend.equals("local")
            ? new LocalCoordinatorProvider().create(URI.create("local:/"), c, ctx)
            : new RedisCoordinatorProvider().create(URI.create("redis://127.0.0.1:6379/0"), c, ctx);
        return counting(real, Coordinator.class, calls);
      }
    };
    return RiverFS.open(RiverFsConfig.builder()
        .backends(Backends.discover().register(counted))
        .filesystemId(ns)
        .dataDir(dir.resolve("data"))
        .cacheDir(dir.resolve("cache"))
        .metadataUri("memory:")
        .blobUri("local:" + dir.resolve("blobs"))
        .coordinatorUri("counted:")
        .backendConfig(BackendConfig.of(Map.of("reset_redis", "false")))
        .build());
  }

  private static <T> T counting(T target, Class<T> type, AtomicLong calls) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
      if (!m.getName().equals("sessionId") && !m.getName().equals("isValid")) {
        calls.incrementAndGet();
      }
      try {
        Object r = m.invoke(target, args);
        return r instanceof Lease l ? counting(l, Lease.class, calls) : r;
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }));
  }

  private static void measure(String backend, String name, RiverFS fs, AtomicLong calls, Op op) throws Exception {
    for (int i = 0; i < WARMUP; i++) {
      op.run(fs, -1 - i);
    }
    long[] nanos = new long[N];
    long before = calls.get();
    long start = System.nanoTime();
    for (int i = 0; i < N; i++) {
      long t0 = System.nanoTime();
      op.run(fs, i);
      nanos[i] = System.nanoTime() - t0;
    }
    long total = System.nanoTime() - start;
    double perOp = (calls.get() - before) / (double) N;
    Arrays.sort(nanos);
    System.out.printf("%-6s %-28s %9.1f %9.1f %11.0f %14.2f%n", backend, name, nanos[N / 2] / 1e3,
        nanos[(int) (N * 0.99)] / 1e3, N / (total / 1e9), perOp);
  }
}
