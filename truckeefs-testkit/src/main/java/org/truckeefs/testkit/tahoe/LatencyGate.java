package org.truckeefs.testkit.tahoe;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Applies a {@link LatencyModel} to one request: the wait before a write is applied (uploads in parallel, directory
 * publishes one at a time per directory, as a gateway serializes the operations on one mutable node) and the wait
 * before a read is answered (by the size of the answer).
 */
final class LatencyGate {
  private static final int STRIPES = 64;

  private final Grid grid;
  private volatile LatencyModel model;
  private final ReentrantLock[] dirLocks = new ReentrantLock[STRIPES];

  LatencyGate(Grid grid, LatencyModel model) {
    this.grid = grid;
    this.model = model;
    for (int i = 0; i < STRIPES; i++) {
      dirLocks[i] = new ReentrantLock(true);
    }
  }

  void model(LatencyModel m) {
    this.model = m;
  }

  LatencyModel model() {
    return model;
  }

  /** What a write costs before it is applied; {@code dirCap} is null for requests that publish no directory. */
  record WriteCost(long parallelNanos, String dirCap, long serialNanos) {
    static final WriteCost NONE = new WriteCost(0, null, 0);
  }

  /** The cost of a request, split as it is paid on a gateway. */
  WriteCost writeCost(String method, String rawPath, Map<String, List<String>> args, long bodyLength) {
    LatencyModel m = model;
    if (m == LatencyModel.NONE || method.equals("GET") || method.equals("HEAD")) {
      return WriteCost.NONE;
    }
    String t = first(args, "t");
    String cap = capOf(rawPath);
    if (cap == null) { // /uri itself, or not under /uri
      if (rawPath.equals("/uri") || rawPath.equals("/cap")) {
        if ("mkdir".equals(t)) {
          return new WriteCost(m.mkdir().toNanos(), null, 0);
        }
        if (method.equals("PUT") && t == null) {
          return new WriteCost(m.uploadNanos(bodyLength), null, 0);
        }
      }
      return new WriteCost(m.other().toNanos(), null, 0);
    }
    boolean hasChild = rawPath.indexOf('/', "/uri/".length()) >= 0
        && !rawPath.substring(rawPath.indexOf('/', "/uri/".length())).equals("/");
    long publish = m.dirWriteNanos(entries(cap));
    if (method.equals("DELETE")) {
      return new WriteCost(0, cap, publish);
    }
    if (method.equals("PUT")) {
      if (!hasChild) {
        return new WriteCost(m.other().toNanos(), null, 0);
      }
      if ("uri".equals(t)) {
        return new WriteCost(0, cap, publish);
      }
      if ("mkdir".equals(t)) {
        return new WriteCost(m.mkdir().toNanos(), cap, publish);
      }
      return new WriteCost(m.uploadNanos(bodyLength), cap, publish);
    }
    if (method.equals("POST") && t != null) {
      switch (t) {
        case "mkdir" -> {
          return new WriteCost(m.mkdir().toNanos(), cap, publish);
        }
        case "relink", "rename" -> {
          String toDir = first(args, "to_dir");
          boolean across = toDir != null && !toDir.equals(cap);
          // Two publishes: in one directory measured cheaper than two separate ones.
          long second = across ? m.dirWriteNanos(entries(toDir)) : m.relinkSameDir().toNanos();
          return new WriteCost(0, cap, publish + second);
        }
        case "unlink", "delete", "uri" -> {
          return new WriteCost(0, cap, publish);
        }
        case "check" -> {
          return new WriteCost(m.check().toNanos(), null, 0);
        }
        default -> {
          return new WriteCost(m.other().toNanos(), null, 0);
        }
      }
    }
    return new WriteCost(m.other().toNanos(), null, 0);
  }

  /** Waits out a write's cost, then runs {@code apply} holding the directory's turn when it publishes one. */
  <T, E extends Exception> T write(WriteCost cost, Apply<T, E> apply) throws E {
    pause(cost.parallelNanos());
    if (cost.dirCap() == null) {
      return apply.run();
    }
    ReentrantLock lock = dirLocks[Math.floorMod(cost.dirCap().hashCode(), STRIPES)];
    lock.lock();
    try {
      pause(cost.serialNanos());
      return apply.run();
    } finally {
      lock.unlock();
    }
  }

  @FunctionalInterface
  interface Apply<T, E extends Exception> {
    T run() throws E;
  }

  /** Waits out a read's cost before its answer ({@code bodyLength} bytes, status {@code status}) is sent. */
  void beforeAnswer(String method, String rawPath, Map<String, List<String>> args, int status, long bodyLength) {
    LatencyModel m = model;
    if (m == LatencyModel.NONE || !(method.equals("GET") || method.equals("HEAD"))) {
      return;
    }
    String t = first(args, "t");
    if (capOf(rawPath) == null) {
      pause(m.other().toNanos());
    } else if (method.equals("HEAD")) {
      pause(m.head().toNanos());
    } else if (t == null && (status == 200 || status == 206) && !isDirectory(capOf(rawPath), rawPath)) {
      pause(m.downloadNanos(bodyLength));
    } else {
      pause(m.listing().toNanos());
    }
  }

  private boolean isDirectory(String cap, String rawPath) {
    // Only a bare dircap (no child) can be an HTML directory page; a child path is a file when it has bytes.
    return cap.startsWith("URI:DIR2") && rawPath.indexOf('/', "/uri/".length()) < 0;
  }

  private int entries(String dirCap) {
    synchronized (grid) {
      Grid.DirNode d = grid.dirByCap(dirCap);
      return d == null ? 0 : d.children.size();
    }
  }

  /** The cap a {@code /uri/CAP[/...]} path starts with, decoded, or null. */
  private static String capOf(String rawPath) {
    if (!(rawPath.startsWith("/uri/") || rawPath.startsWith("/cap/")) || rawPath.length() == 5) {
      return null;
    }
    int end = rawPath.indexOf('/', 5);
    String seg = end < 0 ? rawPath.substring(5) : rawPath.substring(5, end);
    return URLDecoder.decode(seg.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String first(Map<String, List<String>> args, String name) {
    List<String> v = args.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static void pause(long nanos) {
    if (nanos <= 0) {
      return;
    }
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
