package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.Subscription;

/**
 * Keeps the kernel's caches coherent with the other hosts: each change another host commits (core's change
 * events, {@link FileSystem#watch}) becomes a {@code notify_inval_inode} / {@code notify_inval_entry} for what the
 * kernel holds, so attribute and entry timeouts can be long. This host's own changes passed through the kernel
 * already. Runs on its own thread: a notification must not be sent from a request callback (the kernel may hold
 * the inode's lock for that request), and the watch listener must return at once.
 */
final class Invalidator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Invalidator.class);
  private static final int QUEUE = 16_384;
  private static final int ENOENT = 2;

  private final LibFuse3 lib;
  private final MemorySegment session;
  private final InodeRefs refs;
  private final BlockingQueue<FsChange> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicBoolean overflowed = new AtomicBoolean();
  private final Arena arena = Arena.ofShared();
  private final MemorySegment name = arena.allocate(256);
  private final Thread thread;
  private volatile boolean running = true;
  private Subscription subscription = Subscription.NONE;

  Invalidator(LibFuse3 lib, MemorySegment session, InodeRefs refs) {
    this.lib = lib;
    this.session = session;
    this.refs = refs;
    this.thread = new Thread(this::run, "truckeefs-fuse-invalidate");
    this.thread.setDaemon(true);
  }

  void start(FileSystem fs) {
    thread.start();
    subscription = fs.watch(this::offer);
  }

  /** The watch listener: queue and return; a full queue degrades to "invalidate everything". */
  void offer(FsChange c) {
    if (c.remote() && !queue.offer(c)) {
      overflowed.set(true);
    }
  }

  private void run() {
    while (running) {
      try {
        FsChange c = queue.poll(200, TimeUnit.MILLISECONDS);
        if (overflowed.getAndSet(false)) {
          queue.clear();
          c = new FsChange.Overflow(true);
        }
        if (c != null) {
          apply(c);
        }
      } catch (InterruptedException e) {
        return;
      } catch (Throwable t) {
        log.warn("kernel cache invalidation failed: {}", t.toString());
      }
    }
  }

  /** Sends the notifications for one change; package-private for tests. */
  void apply(FsChange c) {
    switch (c) {
      case FsChange.Attributes a -> inode(a.inode().value(), -1);
      case FsChange.Content x -> inode(x.inode().value(), 0);
      case FsChange.Entry e -> entry(e.parent().value(), e.name().bytes());
      case FsChange.Overflow o -> {
        log.info("changes from other hosts may have been missed: invalidating every cached inode");
        for (long ino : refs.known()) {
          inode(ino, 0);
        }
      }
    }
  }

  /** {@code off} -1: attributes only; 0: attributes and all cached data. */
  private void inode(long ino, long off) {
    if (refs.known(ino)) {
      check(lib.notifyInvalInode(session, ino, off, 0), "inode", ino);
    }
  }

  private void entry(long parent, byte[] n) {
    if (refs.known(parent)) {
      MemorySegment.copy(n, 0, name, JAVA_BYTE, 0, n.length);
      name.set(JAVA_BYTE, n.length, (byte) 0);
      check(lib.notifyInvalEntry(session, parent, name, n.length), "entry in", parent);
    }
  }

  private static void check(int rc, String what, long ino) {
    // ENOENT: the kernel forgot it meanwhile, nothing to invalidate.
    if (rc != 0 && rc != -ENOENT && log.isDebugEnabled()) {
      log.debug("notify_inval {} #{}: errno {}", what, ino, -rc);
    }
  }

  /** Stops before the session is destroyed: a notification needs a live session. */
  @Override
  public void close() {
    subscription.close();
    running = false;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    arena.close();
  }
}
