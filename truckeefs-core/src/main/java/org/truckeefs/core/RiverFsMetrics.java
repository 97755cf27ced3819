package org.truckeefs.core;

import io.micrometer.core.instrument.FunctionCounter;
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
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.MetadataStore;

/**
 * A running RiverFS's metrics for Micrometer: calls and time per backend method ({@code truckeefs.backend.calls},
 * tags {@code backend} = metadata, blobs or coordinator, and {@code op}) read from the {@link Instrumented} wrappers
 * RiverFS already has; gauges read from {@link RiverFS#status()} (cache bytes used and dirty, the limit, uploads
 * pending, open files); the upload queue's and the namespace mirror's age; the cache's reads by hit or miss, bytes
 * fetched, evictions; and blocking lock waits. The FUSE adapters add {@code truckeefs.fuse.ops} themselves. Everything is
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
    status(registry, "truckeefs.cache.used", "bytes", "Bytes in the local cache (clean and dirty)",
        s -> s.cacheBytesUsed());
    status(registry, "truckeefs.cache.dirty", "bytes", "Cached bytes not yet uploaded", s -> s.cacheDirtyBytes());
    status(registry, "truckeefs.cache.limit", "bytes", "cache_size (0 = unlimited)", s -> s.cacheSizeLimit());
    status(registry, "truckeefs.uploads.pending", "snapshots", "Sealed file snapshots waiting for upload or commit",
        s -> s.pendingUploads());
    status(registry, "truckeefs.files.open", "files", "Files with open handles or pending data", s -> s.openFiles());
    gauge(registry, "truckeefs.uploads.oldest.age", "seconds",
        "How long the oldest snapshot not yet uploaded and committed has waited", f -> f.oldestPendingUploadNanos() / 1e9);
    gauge(registry, "truckeefs.mirror.lag", "seconds",
        "How long the oldest update not yet applied to the namespace mirror has waited (0 without a mirror)",
        f -> f.mirrorLagNanos() / 1e9);
    counter(registry, "truckeefs.cache.reads", null, "Chunk reads served wholly from the cache", "result", "hit",
        f -> f.cache().hits.sum());
    counter(registry, "truckeefs.cache.reads", null, "Chunk reads that fetched (or waited for) missing blocks",
        "result", "miss", f -> f.cache().misses.sum());
    counter(registry, "truckeefs.cache.fetched", "bytes", "Bytes fetched from the blob store into the cache",
        null, null, f -> f.cache().fetchedBytes.sum());
    counter(registry, "truckeefs.cache.evictions", null, "Clean chunks evicted from the cache", null, null,
        f -> f.cache().evictions.sum());
    counter(registry, "truckeefs.cache.evicted", "bytes", "Bytes freed by evictions", null, null,
        f -> f.cache().evictedBytes.sum());
    FunctionTimer.builder("truckeefs.locks.waits", fs, f -> f.locksForMetrics().waits[0].sum(),
            f -> f.locksForMetrics().waits[1].sum(), TimeUnit.NANOSECONDS)
        .description("Blocking lock requests (F_SETLKW, flock without LOCK_NB) granted and the time they waited")
        .register(registry);
    calls(registry, "metadata", MetadataStore.class, RiverFS::metadataCallStats);
    calls(registry, "blobs", BlobStore.class, RiverFS::blobCallStats);
    calls(registry, "coordinator", Coordinator.class, RiverFS::coordinatorCallStats);
  }

  /** A gauge read from the filesystem itself (held weakly by Micrometer; a lambda of its own would be collected). */
  private void gauge(MeterRegistry r, String name, String unit, String help, ToDoubleFunction<RiverFS> f) {
    Gauge.builder(name, fs, f).baseUnit(unit).description(help).register(r);
  }

  private void counter(MeterRegistry r, String name, String unit, String help, String tag, String value,
      ToDoubleFunction<RiverFS> f) {
    FunctionCounter.Builder<RiverFS> b = FunctionCounter.builder(name, fs, f).description(help);
    if (unit != null) {
      b.baseUnit(unit);
    }
    if (tag != null) {
      b.tags(tag, value);
    }
    b.register(r);
  }

  private void status(MeterRegistry r, String name, String unit, String help, ToDoubleFunction<RiverFsStatus> f) {
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
