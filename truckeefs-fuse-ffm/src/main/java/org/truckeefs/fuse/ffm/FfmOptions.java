package org.truckeefs.fuse.ffm;

import java.util.ArrayList;
import java.util.List;
import org.truckeefs.fuse.FuseOptions;

/**
 * What the low-level adapter asks of libfuse 3 and the kernel, derived from the adapter-independent
 * {@link FuseOptions}.
 *
 * @param base the mount's options (timeouts, allow_other, extra -o options)
 * @param workers libfuse worker threads, all kept alive (no thread start per request burst)
 * @param cloneFd one /dev/fuse descriptor per worker, so replies do not contend on one file
 * @param maxWrite the largest write request the kernel sends (max_pages follows from it)
 * @param readdirplus READDIRPLUS: {@code ls -l} gets attributes with the listing instead of a lookup per entry
 * @param writebackCache the kernel's write-back cache; only coherent when no other host writes
 */
record FfmOptions(FuseOptions base, int workers, boolean cloneFd, int maxWrite, boolean readdirplus,
    boolean writebackCache) {
  /** Measured: 8 workers saturate 2 cores with metadata requests; more only add idle threads. */
  static final int DEFAULT_WORKERS = 8;
  static final int MAX_WRITE = 1 << 20;

  static FfmOptions of(FuseOptions base) {
    return new FfmOptions(base, DEFAULT_WORKERS, true, MAX_WRITE, true, base.writebackCache());
  }

  double attrTimeout() {
    return base.attrTimeout().toNanos() / 1e9;
  }

  double entryTimeout() {
    return base.entryTimeout().toNanos() / 1e9;
  }

  /**
   * libfuse 3's {@code fuse_session_new} arguments. {@code default_permissions} lets the kernel check modes (core
   * checks again with the caller); no {@code use_ino}/{@code hard_remove}/{@code big_writes}: the low-level API
   * has inode numbers, open handles and large writes by nature.
   */
  List<String> args() {
    List<String> o = new ArrayList<>(List.of("default_permissions", "fsname=truckeefs", "subtype=truckeefs"));
    if (base.allowOther()) {
      o.add("allow_other");
    }
    o.addAll(base.extra());
    List<String> a = new ArrayList<>(List.of("truckeefs", "-o", String.join(",", o)));
    if (base.debug()) {
      a.add("-d");
    }
    return a;
  }
}
