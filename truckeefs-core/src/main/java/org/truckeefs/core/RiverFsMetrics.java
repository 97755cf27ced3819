package org.truckeefs.core;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;

/**
 * A running RiverFS's metrics for Micrometer: calls and time per backend method ({@code truckeefs.backend.calls},
 * tags {@code backend}, {@code op}) read from the {@link Instrumented} wrappers RiverFS already has, and gauges read
 * from {@link RiverFS#status()} (cache bytes used and dirty, the limit, uploads pending, open files). Everything is
 * read when the registry is scraped, so the data path carries no extra counting. Bind it to any registry:
 * {@code RiverFsMetrics.of(fs).bindTo(registry)}.
 */
public final class RiverFsMetrics implements MeterBinder {
  private final RiverFS fs;

  private RiverFsMetrics(RiverFS fs) {
    this.fs = fs;
  }

  public static RiverFsMetrics of(RiverFS fs) {
    return new RiverFsMetrics(fs);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    gauge(registry, "truckeefs.cache.used", "bytes", "Bytes in the local cache (clean and dirty)",
        s -> s.cacheBytesUsed());
    gauge(registry, "truckeefs.cache.dirty", "bytes", "Cached bytes not yet uploaded", s -> s.cacheDirtyBytes());
    gauge(registry, "truckeefs.cache.limit", "bytes", "cache_size (0 = unlimited)", s -> s.cacheSizeLimit());
    gauge(registry, "truckeefs.uploads.pending", "snapshots", "Sealed file snapshots waiting for upload or commit",
        s -> s.pendingUploads());
    gauge(registry, "truckeefs.files.open", "files", "Files with open handles or pending data", s -> s.openFiles());
    calls(registry, "metadata", MetadataStore.class, RiverFS::metadataCallStats);
    calls(registry, "blobs", BlobStore.class, RiverFS::blobCallStats);
  }

  private void gauge(MeterRegistry r, String name, String unit, String help, ToDoubleFunction<RiverFsStatus> f) {
    Gauge.builder(name, fs, x -> f.applyAsDouble(x.status())).baseUnit(unit).description(help).register(r);
  }

  /**
   * One timer per method of the backend interface, fed by the proxy's running totals. The state object is the
   * RiverFS itself: Micrometer holds it weakly, and a lambda of its own would be collected (and read as 0).
   */
  private void calls(MeterRegistry r, String backend, Class<?> type, Function<RiverFS, Map<String, long[]>> stats) {
    Set<String> ops = new TreeSet<>();
    for (Method m : type.getMethods()) {
      if (!Modifier.isStatic(m.getModifiers()) && m.getDeclaringClass() != Object.class) {
        ops.add(m.getName());
      }
    }
    for (String op : ops) {
      FunctionTimer.builder("truckeefs.backend.calls", fs,
              f -> stats.apply(f).getOrDefault(op, new long[2])[0],
              f -> stats.apply(f).getOrDefault(op, new long[2])[1], TimeUnit.MILLISECONDS)
          .tags("backend", backend, "op", op)
          .description("Calls to the " + backend + " store and the time they took")
          .register(r);
    }
  }
}
