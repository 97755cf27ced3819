package org.truckeefs.core;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.Subscription;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.MessageListener;

/**
 * The filesystem's change events: what this host commits goes to its own watchers at once and, through the
 * coordinator's channel, to every other host, whose watchers see it as remote. One message per operation carries
 * all its changes and the publishing session, so a host recognises (and skips) its own messages coming back.
 *
 * <p>Publishing is best effort: a failure is logged at debug level and costs the other hosts only freshness (their
 * caches still expire). A subscriber that may have missed messages gets {@link FsChange.Overflow}.
 *
 * <p>With a scheduler, the changes of the operations of {@link #GATHER} go out together, in order, in one message
 * sent from the scheduler: a message per operation put a PUBLISH on every create's FUSE request (0.03 ms of a
 * MariaDB create's 0.9) and cost Redis and every host (this one included: a message comes back to its publisher)
 * a delivery per operation, 0.1 ms of CPU per create on a two-core host. Other hosts learn of a change that much
 * later, well inside the staleness their caches allow anyway ({@code metadata_cache_ttl}, the kernel's timeouts).
 */
final class ChangeFeed implements MessageListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);
  private static final int FORMAT = 1;
  private static final byte ATTRIBUTES = 'A';
  private static final byte CONTENT = 'C';
  private static final byte ENTRY = 'E';

  /** How long changes wait to go out together (far below any cache's staleness window). */
  static final Duration GATHER = Duration.ofMillis(5);
  /** Changes per message at most (the count is an unsigned short; a name takes up to 255 bytes). */
  static final int MAX_PER_MESSAGE = 512;
  /**
   * Changes gathered at most: past this the publishing thread sends them itself, so a scheduler held up by a long
   * daemon pass (a cache prune, a blob collection) cannot make them pile up in memory.
   */
  static final int MAX_PENDING = 8 * MAX_PER_MESSAGE;

  private final Coordinator coordinator;
  private final String session;
  private final CopyOnWriteArrayList<Consumer<FsChange>> watchers = new CopyOnWriteArrayList<>();
  private final Subscription subscription;
  /** Where gathered changes are sent from; null: each operation's at once. */
  private final ScheduledExecutorService scheduler;
  /** Changes not sent yet, oldest first; guarded by this, which is never held across a send. */
  private List<FsChange> pending = new ArrayList<>();
  /** Whether a send of {@link #pending} is scheduled; guarded by this. */
  private boolean sendScheduled;
  private volatile boolean closed;

  /** Changes go out gathered, from {@code scheduler}; null: each operation's at once. */
  ChangeFeed(Coordinator coordinator, ScheduledExecutorService scheduler) throws FsException {
    this.coordinator = coordinator;
    this.scheduler = scheduler;
    this.session = coordinator.sessionId();
    this.subscription = coordinator.subscribe(this);
  }

  /** Registers a watcher of every change, local and remote. */
  Subscription watch(Consumer<FsChange> watcher) {
    watchers.add(watcher);
    return () -> watchers.remove(watcher);
  }

  /** Announces the changes of one operation; call after the store applied them and with no lock held. */
  void publish(FsChange... changes) {
    if (changes.length == 0) {
      return;
    }
    for (FsChange c : changes) {
      deliver(c);
    }
    if (scheduler == null || closed) {
      send(List.of(changes));
      return;
    }
    boolean schedule;
    boolean full;
    synchronized (this) {
      Collections.addAll(pending, changes);
      full = pending.size() >= MAX_PENDING;
      schedule = !sendScheduled;
      sendScheduled = true;
    }
    if (full) {
      sendPending(); // the scheduled send then finds nothing, or what came since
    } else if (schedule) {
      try {
        scheduler.schedule(this::sendPending, GATHER.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException shuttingDown) {
        sendPending();
      }
    }
  }

  /** Sends what was gathered, in messages of at most {@link #MAX_PER_MESSAGE} changes. */
  private void sendPending() {
    List<FsChange> batch;
    synchronized (this) {
      batch = pending;
      pending = new ArrayList<>();
      sendScheduled = false;
    }
    for (int from = 0; from < batch.size(); from += MAX_PER_MESSAGE) {
      send(batch.subList(from, Math.min(batch.size(), from + MAX_PER_MESSAGE)));
    }
  }

  private void send(List<FsChange> changes) {
    try {
      coordinator.publish(encode(session, changes));
    } catch (FsException | RuntimeException e) {
      log.debug("cannot publish {} change(s); other hosts see them when their caches expire: {}", changes.size(),
          e.toString());
    }
  }

  @Override
  public void onMessage(byte[] message) {
    try {
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(message));
      if (in.readUnsignedByte() != FORMAT) {
        return; // a newer host's format: its changes reach us through cache expiry instead
      }
      if (in.readUTF().equals(session)) {
        return; // our own, already delivered at publish
      }
      for (FsChange c : decode(in)) {
        deliver(c);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("ignoring a malformed change message: {}", e.toString());
    }
  }

  @Override
  public void onGap() {
    deliver(new FsChange.Overflow(true));
  }

  private void deliver(FsChange c) {
    for (Consumer<FsChange> w : watchers) {
      try {
        w.accept(c);
      } catch (RuntimeException e) {
        log.warn("a change watcher failed: {}", e.toString());
      }
    }
  }

  static byte[] encode(String session, List<FsChange> changes) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + 16 * changes.size());
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(FORMAT);
      out.writeUTF(session);
      int n = 0;
      for (FsChange c : changes) {
        if (!(c instanceof FsChange.Overflow)) {
          n++;
        }
      }
      out.writeShort(n);
      for (FsChange c : changes) {
        if (c instanceof FsChange.Attributes a) {
          out.writeByte(ATTRIBUTES);
          out.writeLong(a.inode().value());
        } else if (c instanceof FsChange.Content k) {
          out.writeByte(CONTENT);
          out.writeLong(k.inode().value());
        } else if (c instanceof FsChange.Entry e) {
          out.writeByte(ENTRY);
          out.writeLong(e.parent().value());
          byte[] name = e.name().bytes();
          out.writeShort(name.length);
          out.write(name);
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<FsChange> decode(DataInputStream in) throws IOException {
    int n = in.readUnsignedShort();
    List<FsChange> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte kind = in.readByte();
      InodeId id = InodeId.of(in.readLong());
      switch (kind) {
        case ATTRIBUTES -> out.add(new FsChange.Attributes(id, true));
        case CONTENT -> out.add(new FsChange.Content(id, true));
        case ENTRY -> {
          byte[] name = new byte[in.readUnsignedShort()];
          in.readFully(name);
          try {
            out.add(new FsChange.Entry(id, Name.of(name), true));
          } catch (FsException bad) {
            throw new IOException("bad name in change message", bad);
          }
        }
        default -> throw new IOException("unknown change kind " + kind);
      }
    }
    return out;
  }

  @Override
  public void close() {
    closed = true; // from now on each operation's changes go out at once
    sendPending();
    subscription.close();
    watchers.clear();
  }

  @Override
  public String toString() {
    return "ChangeFeed[" + session + "]";
  }
}
