package org.truckeefs.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded pool of open cache-file channels of a {@link ChunkCache}. One channel per cached chunk, closed only by
 * the (hourly) prune, reached 19,995 descriptors in a long fsx run and then EIO; so beyond {@link #MAX_OPEN} open
 * channels the longest-open idle one is closed. Lock-free itself: it takes an entry's monitor only through the
 * entry's own methods, one at a time, and holds nothing else meanwhile.
 */
final class CacheChannels {
  /** Beyond this many open channels, the longest-open idle channel is closed. */
  static final int MAX_OPEN = 128;
  /** Idle clean entries keep their file open this long, so hot chunks don't pay an open per read. */
  private static final long IDLE_MILLIS = 60_000;

  /** Entries in the order their channel was opened (an entry closed meanwhile is dropped when met). */
  private final ConcurrentLinkedQueue<CacheEntry> openOrder = new ConcurrentLinkedQueue<>();
  private final AtomicInteger openChannels = new AtomicInteger();

  /** The entry's channel, opened if needed; call with the entry pinned or a fetch of it in flight. */
  FileChannel channel(CacheEntry e) throws IOException {
    FileChannel ch;
    boolean opened;
    synchronized (e) {
      opened = e.ch == null;
      ch = e.channel();
    }
    if (opened) {
      openOrder.add(e);
      if (openChannels.incrementAndGet() > MAX_OPEN) {
        closeOldChannels();
      }
    }
    return ch;
  }

  /** Closes the longest-open idle channels until the bound holds; busy ones go to the back of the line. */
  private void closeOldChannels() {
    for (int budget = openOrder.size(); budget > 0 && openChannels.get() > MAX_OPEN; budget--) {
      CacheEntry old = openOrder.poll();
      if (old == null) {
        return;
      }
      switch (old.closeIfIdle()) {
        case CLOSED -> openChannels.decrementAndGet();
        case BUSY -> openOrder.add(old);
        case NONE -> { } // closed by eviction or prune meanwhile
      }
    }
  }

  /** Closes the channels of entries idle for longer than {@link #IDLE_MILLIS} at {@code now} (prune). */
  void closeIdle(List<CacheEntry> entries, long now) {
    for (CacheEntry e : entries) {
      if (now - e.lastAccess > IDLE_MILLIS && e.closeIfIdle() == CacheEntry.Closed.CLOSED) {
        openChannels.decrementAndGet();
      }
    }
  }

  /** Call with e's monitor held: closes its channel, if open (eviction, cache close). */
  void close(CacheEntry e) {
    if (e.closeChannel()) {
      openChannels.decrementAndGet();
    }
  }

  /** Channels open now; for tests and status. */
  int openChannels() {
    return openChannels.get();
  }
}
