package org.truckeefs.nio;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.Subscription;

/**
 * A {@link WatchService} fed by the filesystem's own change events ({@link org.truckeefs.api.FileSystem#watch}),
 * so it also sees the changes other hosts of a shared filesystem commit. The events say which name of which
 * directory changed, not how; the service keeps the names of each watched directory and compares: a name that
 * appears is ENTRY_CREATE, one that goes is ENTRY_DELETE, one that now names another inode or whose inode's content
 * or attributes changed is ENTRY_MODIFY. Translation happens in {@code poll}/{@code take}, on the application's
 * thread; the filesystem's thread only queues (at most {@value #QUEUE} changes, then OVERFLOW and a re-listing).
 * A change that is undone before the application polls may not be seen at all, as with inotify's coalescing.
 *
 * <p>Translation is serialized on the service (it looks names up, which may reach the metadata store): that keeps
 * each key's snapshot of names consistent, and only this service's own pollers ever wait for it; the filesystem's
 * threads never take this lock.
 */
final class TruckeeWatchService implements WatchService {
  static final int QUEUE = 4096;
  private static final Object WAKE = new Object();

  private final TruckeeFileSystem fs;
  private final BlockingQueue<Object> raw = new LinkedBlockingQueue<>(QUEUE);
  private final LinkedBlockingDeque<Key> signalled = new LinkedBlockingDeque<>();
  private final Map<InodeId, Key> keys = new ConcurrentHashMap<>();
  private final Subscription subscription;
  private volatile boolean overflowed;
  private volatile boolean closed;

  TruckeeWatchService(TruckeeFileSystem fs) {
    this.fs = fs;
    this.subscription = fs.fs().watch(this::onChange);
  }

  TruckeeFileSystem fileSystem() {
    return fs;
  }

  /** On the filesystem's thread: queue only. */
  private void onChange(FsChange change) {
    if (!raw.offer(change)) {
      overflowed = true;
      raw.offer(WAKE);
    }
  }

  WatchKey register(TruckeePath dir, WatchEvent.Kind<?>[] kinds) throws IOException {
    check();
    InodeAttributes a = TruckeeFileSystemProvider.stat(dir, true);
    if (!a.isDirectory()) {
      throw new NotDirectoryException(dir.toString());
    }
    Set<WatchEvent.Kind<?>> wanted = new HashSet<>();
    for (WatchEvent.Kind<?> k : kinds) {
      if (k == StandardWatchEventKinds.ENTRY_CREATE || k == StandardWatchEventKinds.ENTRY_DELETE
          || k == StandardWatchEventKinds.ENTRY_MODIFY) {
        wanted.add(k);
      } else if (k != StandardWatchEventKinds.OVERFLOW) {
        throw new UnsupportedOperationException("watch event kind " + k.name() + " is not supported");
      }
    }
    synchronized (this) {
      Key existing = keys.get(a.id());
      if (existing != null && existing.isValid()) {
        existing.kinds = wanted;
        return existing;
      }
      Key k = new Key(dir, a.id(), wanted);
      k.children.putAll(listing(dir));
      keys.put(a.id(), k);
      return k;
    }
  }

  private Map<Name, InodeId> listing(TruckeePath dir) throws IOException {
    Map<Name, InodeId> out = new HashMap<>();
    try {
      for (DirEntry e : fs.paths().listEntries(dir.absolute())) {
        out.put(e.name(), e.inode());
      }
    } catch (FsException e) {
      throw Errors.map(e, dir.toString());
    }
    return out;
  }

  private void check() {
    if (closed) {
      throw new ClosedWatchServiceException();
    }
  }

  @Override
  public WatchKey poll() {
    check();
    translate();
    return signalled.poll();
  }

  @Override
  public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (true) {
      check();
      translate();
      Key k = signalled.poll();
      if (k != null) {
        return k;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      Object first = raw.poll(left, TimeUnit.NANOSECONDS);
      if (first != null) {
        requeue(first);
      }
    }
  }

  @Override
  public WatchKey take() throws InterruptedException {
    while (true) {
      check();
      translate();
      Key k = signalled.poll();
      if (k != null) {
        return k;
      }
      requeue(raw.take());
    }
  }

  private final List<Object> taken = new ArrayList<>();

  private synchronized void requeue(Object first) {
    taken.add(first);
  }

  /** Turns the queued changes into events on the watched directories' keys. */
  private synchronized void translate() {
    List<Object> batch = new ArrayList<>(taken);
    taken.clear();
    raw.drainTo(batch);
    if (overflowed) {
      overflowed = false;
      batch.clear();
      batch.add(new FsChange.Overflow(false));
    }
    for (Object o : batch) {
      if (o instanceof FsChange c && !closed) {
        try {
          apply(c);
        } catch (IOException e) {
          // The directory went away or cannot be read any more: its key cannot report, so it ends.
          for (Key k : keys.values()) {
            if (!k.stillThere()) {
              k.invalidate();
            }
          }
        }
      }
    }
  }

  private void apply(FsChange c) throws IOException {
    if (c instanceof FsChange.Entry e) {
      Key k = keys.get(e.parent());
      if (k != null) {
        k.entryChanged(e.name());
      }
      // A watched directory removed or renamed away: its key ends.
      for (Key w : keys.values()) {
        if (!w.stillThere()) {
          w.invalidate();
        }
      }
    } else if (c instanceof FsChange.Content x) {
      modified(x.inode());
    } else if (c instanceof FsChange.Attributes x) {
      modified(x.inode());
    } else {
      for (Key k : keys.values()) {
        k.signal(StandardWatchEventKinds.OVERFLOW, null);
        k.resync();
      }
    }
  }

  private void modified(InodeId inode) {
    for (Key k : keys.values()) {
      for (Map.Entry<Name, InodeId> child : k.children.entrySet()) {
        if (child.getValue().equals(inode)) {
          k.signal(StandardWatchEventKinds.ENTRY_MODIFY, child.getKey());
        }
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    subscription.close();
    for (Key k : keys.values()) {
      k.invalidate();
    }
    raw.clear();
    raw.offer(WAKE);
  }

  private final class Key implements WatchKey {
    private final TruckeePath dir;
    private final InodeId inode;
    private final Map<Name, InodeId> children = new HashMap<>();
    private volatile Set<WatchEvent.Kind<?>> kinds;
    private List<WatchEvent<?>> events = new ArrayList<>();
    private boolean signalledState;
    private volatile boolean valid = true;

    Key(TruckeePath dir, InodeId inode, Set<WatchEvent.Kind<?>> kinds) {
      this.dir = dir;
      this.inode = inode;
      this.kinds = kinds;
    }

    /** Whether the watched path still names the watched directory. */
    boolean stillThere() {
      if (!valid) {
        return true;
      }
      try {
        return fs.paths().resolve(dir.absolute(), true).id().equals(inode);
      } catch (FsException e) {
        return e.error() != FsError.NOT_FOUND && e.error() != FsError.NOT_DIRECTORY;
      }
    }

    void entryChanged(Name name) throws FsException {
      InodeId before = children.get(name);
      InodeId now;
      try {
        now = fs.fs().lookup(fs.caller(), inode, name).id();
      } catch (FsException e) {
        if (e.error() != FsError.NOT_FOUND) {
          throw e;
        }
        now = null;
      }
      if (now == null && before != null) {
        children.remove(name);
        signal(StandardWatchEventKinds.ENTRY_DELETE, name);
      } else if (now != null && before == null) {
        children.put(name, now);
        signal(StandardWatchEventKinds.ENTRY_CREATE, name);
      } else if (now != null && !now.equals(before)) {
        children.put(name, now);
        signal(StandardWatchEventKinds.ENTRY_MODIFY, name);
      }
    }

    void resync() {
      Map<Name, InodeId> now;
      try {
        now = listing(dir);
      } catch (IOException e) {
        invalidate();
        return;
      }
      for (Name n : new ArrayList<>(children.keySet())) {
        if (!now.containsKey(n)) {
          children.remove(n);
          signal(StandardWatchEventKinds.ENTRY_DELETE, n);
        }
      }
      for (Map.Entry<Name, InodeId> e : now.entrySet()) {
        InodeId before = children.put(e.getKey(), e.getValue());
        if (before == null) {
          signal(StandardWatchEventKinds.ENTRY_CREATE, e.getKey());
        } else if (!before.equals(e.getValue())) {
          signal(StandardWatchEventKinds.ENTRY_MODIFY, e.getKey());
        }
      }
    }

    synchronized void signal(WatchEvent.Kind<?> kind, Name name) {
      if (kind != StandardWatchEventKinds.OVERFLOW && !kinds.contains(kind)) {
        return;
      }
      Path context = name == null ? null : fs.getPath(name.toString());
      if (!events.isEmpty()) {
        Event last = (Event) events.get(events.size() - 1);
        if (last.kind == kind && java.util.Objects.equals(last.context, context)) {
          last.count++;
          return;
        }
      }
      events.add(new Event(kind, context));
      if (!signalledState) {
        signalledState = true;
        signalled.offer(this);
      }
    }

    @Override
    public boolean isValid() {
      return valid && !closed;
    }

    @Override
    public synchronized List<WatchEvent<?>> pollEvents() {
      List<WatchEvent<?>> out = events;
      events = new ArrayList<>();
      return out;
    }

    @Override
    public synchronized boolean reset() {
      if (!isValid()) {
        return false;
      }
      if (events.isEmpty()) {
        signalledState = false;
      } else {
        signalled.offer(this);
      }
      return true;
    }

    void invalidate() {
      if (!valid) {
        return;
      }
      valid = false;
      keys.remove(inode, this);
      synchronized (this) {
        if (!signalledState) {
          signalledState = true;
          signalled.offer(this);
        }
      }
    }

    @Override
    public void cancel() {
      valid = false;
      keys.remove(inode, this);
    }

    @Override
    public Path watchable() {
      return dir;
    }
  }

  private static final class Event implements WatchEvent<Path> {
    private final Kind<?> kind;
    private final Path context;
    private int count = 1;

    Event(Kind<?> kind, Path context) {
      this.kind = kind;
      this.context = context;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Kind<Path> kind() {
      return (Kind<Path>) kind;
    }

    @Override
    public int count() {
      return count;
    }

    @Override
    public Path context() {
      return context;
    }

    @Override
    public String toString() {
      return kind.name() + " " + context + (count > 1 ? " x" + count : "");
    }
  }
}
