package org.truckeefs.core;

import java.util.HashMap;
import java.util.Map;
import org.truckeefs.spi.BlobRef;

/**
 * Keeps this host's uploads and its prompt releases of the same blob apart: an upload pins the blob's name before
 * its put (which may find the blob stored and only reuse it) until its commit has counted the reference; a release
 * may start only on a name nobody pins, and a pin on a name being released waits until the blob is gone (the put
 * then stores the bytes again). Without it, a put that reused a blob and a release that deleted it just after
 * would leave a commit naming a deleted blob; the grace period of {@link BlobCollector} guards that race only in
 * time.
 *
 * <p>One monitor; it is a leaf lock, held only to read and change the map, never across I/O.
 */
final class BlobPins {
  /** The count of a name being released: no upload holds it, and new ones wait. */
  private static final int RELEASING = -1;

  // @GuardedBy("this")
  private final Map<BlobRef, Integer> pins = new HashMap<>();

  /** Pins {@code ref}, waiting while it is being released. */
  synchronized void pin(BlobRef ref) throws InterruptedException {
    Integer n;
    while ((n = pins.get(ref)) != null && n == RELEASING) {
      wait();
    }
    pins.put(ref, n == null ? 1 : n + 1);
  }

  synchronized void unpin(BlobRef ref) {
    Integer n = pins.get(ref);
    if (n == null || n <= 0) {
      throw new IllegalStateException("blob " + ref + " is not pinned");
    }
    if (n == 1) {
      pins.remove(ref);
    } else {
      pins.put(ref, n - 1);
    }
  }

  /** Starts releasing {@code ref} unless an upload pins it (or a release of it is running): false then. */
  synchronized boolean beginRelease(BlobRef ref) {
    if (pins.containsKey(ref)) {
      return false;
    }
    pins.put(ref, RELEASING);
    return true;
  }

  /** Ends a release that {@link #beginRelease} started, whether it deleted the blob or not. */
  synchronized void endRelease(BlobRef ref) {
    Integer n = pins.get(ref);
    if (n == null || n != RELEASING) {
      throw new IllegalStateException("blob " + ref + " is not being released");
    }
    pins.remove(ref);
    notifyAll();
  }

  /** Names pinned or being released (for tests): 0 when no upload or release is in progress. */
  synchronized int size() {
    return pins.size();
  }
}
