package org.truckeefs.fuse;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a TruckeeFS mount behaves in the kernel.
 *
 * @param attrTimeout how long the kernel caches attributes (the multi-host staleness window)
 * @param entryTimeout how long the kernel caches name lookups
 * @param allowOther whether users other than the one who mounted may enter the mount
 * @param debug libfuse's own request trace on stderr
 * @param slowCall calls slower than this are logged as warnings
 * @param extra further {@code -o} options passed to libfuse unchanged (e.g. from an fstab line)
 * @param writebackCache let the kernel cache writes (libfuse 3 adapter only): coherent only when this host is the
 *     only writer (a local coordinator), because written pages reach us later than the other hosts would look
 * @param meters where the FUSE funnel counts and times each op ({@link FuseCalls#OPS}); by default a registry
 *     that keeps nothing
 */
public record FuseOptions(
    Duration attrTimeout, Duration entryTimeout, boolean allowOther, boolean debug, Duration slowCall,
    List<String> extra, boolean writebackCache, MeterRegistry meters) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_SLOW_CALL = Duration.ofSeconds(5);

  public FuseOptions {
    Objects.requireNonNull(attrTimeout, "attrTimeout");
    Objects.requireNonNull(entryTimeout, "entryTimeout");
    Objects.requireNonNull(slowCall, "slowCall");
    Objects.requireNonNull(meters, "meters");
    extra = List.copyOf(extra);
  }

  public static FuseOptions defaults() {
    return new FuseOptions(DEFAULT_TIMEOUT, DEFAULT_TIMEOUT, false, false, DEFAULT_SLOW_CALL, List.of(), false,
        new CompositeMeterRegistry());
  }

  public FuseOptions withAllowOther(boolean allow) {
    return new FuseOptions(attrTimeout, entryTimeout, allow, debug, slowCall, extra, writebackCache, meters);
  }

  public FuseOptions withExtra(List<String> more) {
    List<String> all = new ArrayList<>(extra);
    all.addAll(more);
    return new FuseOptions(attrTimeout, entryTimeout, allowOther, debug, slowCall, all, writebackCache, meters);
  }

  public FuseOptions withDebug(boolean on) {
    return new FuseOptions(attrTimeout, entryTimeout, allowOther, on, slowCall, extra, writebackCache, meters);
  }

  public FuseOptions withWritebackCache(boolean on) {
    return new FuseOptions(attrTimeout, entryTimeout, allowOther, debug, slowCall, extra, on, meters);
  }

  public FuseOptions withTimeouts(Duration attr, Duration entry) {
    return new FuseOptions(attr, entry, allowOther, debug, slowCall, extra, writebackCache, meters);
  }

  /** These options with the FUSE funnel's meters going to {@code registry}. */
  public FuseOptions withMeters(MeterRegistry registry) {
    return new FuseOptions(attrTimeout, entryTimeout, allowOther, debug, slowCall, extra, writebackCache, registry);
  }

  /**
   * The libfuse 2 arguments. {@code big_writes} lifts writes from 4 KiB to 128 KiB per call; {@code use_ino}
   * makes stat show our inode numbers; {@code hard_remove} avoids renaming open-but-unlinked files to
   * {@code .fuse_hidden*} (we serve them by handle); {@code default_permissions} lets the kernel check modes.
   * Without lock support in the filesystem the kernel keeps locks locally ({@code no_remote_lock}).
   */
  List<String> toArgs(boolean remoteLocks) {
    List<String> o = new ArrayList<>(List.of(
        "big_writes", "use_ino", "hard_remove", "default_permissions", "fsname=truckeefs", "subtype=truckeefs",
        "attr_timeout=" + seconds(attrTimeout), "entry_timeout=" + seconds(entryTimeout)));
    if (allowOther) {
      o.add("allow_other");
    }
    if (!remoteLocks) {
      o.add("no_remote_lock");
    }
    o.addAll(extra);
    return List.of("-o", String.join(",", o));
  }

  private static String seconds(Duration d) {
    return Double.toString(d.toNanos() / 1e9);
  }
}
