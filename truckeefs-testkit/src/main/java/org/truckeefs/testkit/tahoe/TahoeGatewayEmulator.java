package org.truckeefs.testkit.tahoe;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process Tahoe-LAFS web gateway (WAPI) for tests, following {@code docs/tahoe-webapi.md}: the same URL
 * forms, caps, JSON shapes, status codes and error bodies as a real 1.17–1.20 gateway on a one-server grid
 * (shares needed/total 1/1), including the traps (LIT caps, convergent CHK caps, Range quirks, relink in two
 * steps, mkdir-by-name replacing a directory).
 *
 * <p>Mutable files (SDMF/MDMF), immutable directories, {@code mkdir-with-children}, {@code set_children}, deep
 * checks and the operation handles are not emulated; they answer 400 with a message saying so.
 *
 * <p>Tests steer it with fault switches ({@link #injectFaults}), a hook that crashes between the two steps of a
 * relink, and read its state directly ({@link #list}, {@link #contents}, {@link #leaseRenewals},
 * {@link #requests}).
 */
public final class TahoeGatewayEmulator implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;
  final Grid grid;
  final Clock clock;
  final LatencyGate latency;
  private final Deque<FaultRule> faults = new ArrayDeque<>();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  volatile boolean crashBetweenRelinkSteps;
  volatile long availableSpace = 1L << 40;
  volatile boolean serverConnected = true;

  private record FaultRule(String method, Fault fault, AtomicInteger remaining) {}

  static {
    // A real gateway answers a small request in one segment; the JDK server writes headers and body separately,
    // and with Nagle on, the body then waits for the client's delayed ACK (~40 ms per answer on Linux). Read once,
    // when the first HttpServer is made.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private TahoeGatewayEmulator(Clock clock, LatencyModel latency) {
    this.clock = clock;
    this.grid = new Grid(1, 1);
    this.latency = new LatencyGate(grid, latency);
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Tahoe gateway emulator", e);
    }
    AtomicInteger n = new AtomicInteger();
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "tahoe-emulator-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", new GatewayHandler(this));
    server.start();
  }

  /** Starts a gateway on a free loopback port that answers as fast as it can ({@link LatencyModel#NONE}). */
  public static TahoeGatewayEmulator start() {
    return new TahoeGatewayEmulator(Clock.systemUTC(), LatencyModel.NONE);
  }

  /**
   * Starts a gateway that costs what {@code latency} says per request, e.g. {@link LatencyModel#TAHOE_1_17} for a
   * test or benchmark whose result depends on how many requests of which kind a client sends.
   */
  public static TahoeGatewayEmulator start(LatencyModel latency) {
    return new TahoeGatewayEmulator(Clock.systemUTC(), latency);
  }

  /** Starts a gateway whose link times come from {@code clock}. */
  public static TahoeGatewayEmulator start(Clock clock) {
    return new TahoeGatewayEmulator(clock, LatencyModel.NONE);
  }

  /** Changes the latency model for the requests that arrive from now on. */
  public void setLatency(LatencyModel model) {
    latency.model(model);
  }

  public LatencyModel latency() {
    return latency.model();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:41234}, with no trailing slash. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** A new empty mutable directory ({@code URI:DIR2:}), without going through HTTP. */
  public String createDirectory() {
    synchronized (grid) {
      return grid.newDirectory(false).writeCap;
    }
  }

  /** The children of a directory (write or read cap) in link order, or empty if the cap is unknown. */
  public Optional<Map<String, EmulatedEntry>> list(String dirCap) {
    synchronized (grid) {
      Grid.DirNode d = grid.dirByCap(dirCap);
      if (d == null) {
        return Optional.empty();
      }
      Map<String, EmulatedEntry> out = new LinkedHashMap<>();
      d.children.forEach((name, link) -> {
        String cap = link.cap();
        boolean dir = cap.startsWith("URI:DIR2");
        long size = dir ? -1 : immutableSize(cap);
        out.put(name, new EmulatedEntry(name, dir, cap, size));
      });
      return Optional.of(out);
    }
  }

  /** The bytes of an immutable file (CHK on this grid, or LIT), or empty if the grid does not hold it. */
  public Optional<byte[]> contents(String fileCap) {
    synchronized (grid) {
      if (fileCap.startsWith("URI:LIT:")) {
        return Optional.of(Base32.decode(fileCap.substring(8)));
      }
      Grid.FileNode f = grid.immutableByCap(fileCap);
      return f == null ? Optional.empty() : Optional.of(f.data().clone());
    }
  }

  private long immutableSize(String cap) {
    if (cap.startsWith("URI:LIT:")) {
      return cap.substring(8).length() * 5L / 8;
    }
    String[] parts = cap.split(":");
    return Long.parseLong(parts[parts.length - 1]);
  }

  /** How many times {@code t=check&add-lease=true} renewed the lease of the object a cap names (0 for LIT). */
  public int leaseRenewals(String cap) {
    synchronized (grid) {
      String si = grid.storageIndexOf(cap);
      return si == null ? 0 : grid.leaseRenewals.getOrDefault(si, 0);
    }
  }

  /** Immutable uploads received ({@code PUT /uri} and PUT into directories), including convergent repeats. */
  public int uploadCount() {
    synchronized (grid) {
      return grid.uploads;
    }
  }

  /** Makes the object a cap names unrecoverable: reads answer 410, as when its shares are gone. */
  public void makeUnrecoverable(String cap) {
    synchronized (grid) {
      String si = grid.storageIndexOf(cap);
      if (si != null) {
        grid.unrecoverable.add(si);
      }
    }
  }

  /** Undoes {@link #makeUnrecoverable} for every object. */
  public void makeAllRecoverable() {
    synchronized (grid) {
      grid.unrecoverable.clear();
    }
  }

  /**
   * The next {@code count} requests with this HTTP method (null: any method) get {@code fault}. Rules are used in
   * the order they were added; each request consumes at most one.
   */
  public void injectFaults(String method, int count, Fault fault) {
    synchronized (faults) {
      faults.addLast(new FaultRule(method, fault, new AtomicInteger(count)));
    }
  }

  /** Removes every pending fault rule. */
  public void clearFaults() {
    synchronized (faults) {
      faults.clear();
    }
  }

  /** Fault rules not yet used up. */
  public int pendingFaults() {
    synchronized (faults) {
      return faults.stream().mapToInt(r -> r.remaining().get()).sum();
    }
  }

  Fault takeFault(String method) {
    synchronized (faults) {
      for (var it = faults.iterator(); it.hasNext(); ) {
        FaultRule r = it.next();
        if (r.remaining().get() <= 0) {
          it.remove();
          continue;
        }
        if (r.method() == null || r.method().equalsIgnoreCase(method)) {
          if (r.remaining().decrementAndGet() <= 0) {
            it.remove();
          }
          return r.fault();
        }
      }
      return null;
    }
  }

  /**
   * When set, a {@code t=relink} links the new name, then the gateway "crashes": the connection closes without an
   * answer and the old name stays linked, as after a real crash between relink's two publishes.
   */
  public void crashBetweenRelinkSteps(boolean crash) {
    this.crashBetweenRelinkSteps = crash;
  }

  /** What {@code GET /?t=json} reports as the storage server's available space. */
  public void setAvailableSpace(long bytes) {
    this.availableSpace = bytes;
  }

  /** The clock as Tahoe's link metadata and server list give it: seconds since the epoch. */
  double nowSeconds() {
    return clock.millis() / 1000.0;
  }

  void record(RecordedRequest r) {
    requests.add(r);
  }

  /** Every request received since start or the last {@link #clearRequests}, oldest first. */
  public List<RecordedRequest> requests() {
    return new ArrayList<>(requests);
  }

  public void clearRequests() {
    requests.clear();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "TahoeGatewayEmulator[" + url() + "]";
  }
}
