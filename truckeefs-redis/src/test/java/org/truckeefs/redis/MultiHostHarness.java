package org.truckeefs.redis;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.core.Backends;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.CoordinatorProvider;
import org.truckeefs.spi.Lease;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.Ticker;

/**
 * Several RiverFS "hosts" in one JVM: each with its own cache directory, scheduler, Redis client and MariaDB
 * connection pool; all sharing one Redis namespace, one {@code local:} blob directory and one MariaDB database
 * (created fresh on 127.0.0.1:3306 and dropped at close). A host can be killed: its Redis client stops without
 * releasing anything, as if the machine died.
 */
final class MultiHostHarness implements AutoCloseable {
  static final Caller ROOT = Caller.ROOT;
  private static final String JDBC = "jdbc:mariadb://127.0.0.1:3306/";

  final Path dir;
  final String namespace = "multihost-" + UUID.randomUUID().toString().substring(0, 8);
  private final String database = "mh_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  /** The shared database as one more client sees it (the test's view of the truth). */
  final MetadataStore meta;
  private final String redisUri;
  private final Map<String, String> settings;
  private final List<ScheduledExecutorService> schedulers = new ArrayList<>();
  private final List<RiverFS> hosts = new ArrayList<>();
  private final Map<RiverFS, RedisCoordinator> coordinators = new IdentityHashMap<>();
  /** Coordinator calls (and lease releases) made by counted hosts: each is one Redis round trip. */
  final AtomicLong roundTrips = new AtomicLong();

  /** Call {@code RequiredService.requireRedis()} and {@code requireMariaDb()} first. */
  MultiHostHarness(Path dir, int redisPort, Map<String, String> extraSettings) throws Exception {
    this.dir = dir;
    this.redisUri = "redis://127.0.0.1:" + redisPort + "/0";
    this.settings = new HashMap<>(Map.of("redis_session_ttl", "1500ms", "reset_redis", "false",
        "sql_user", "root", "sql_pass", "", "sql_pool_size", "4"));
    settings.putAll(extraSettings);
    sql("CREATE DATABASE " + database);
    ScheduledExecutorService s = scheduler();
    BackendContext ctx = new BackendContext(namespace, dir.resolve("meta"), Clock.systemUTC(), Ticker.system(), s);
    this.meta = Backends.discover().metadataStore("mariadb")
        .create(URI.create(metadataUri()), BackendConfig.of(settings), ctx);
  }

  String redisUri() {
    return redisUri;
  }

  String metadataUri() {
    return "mariadb://127.0.0.1:3306/" + database;
  }

  private static void sql(String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection(JDBC, "root", ""); Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  private ScheduledExecutorService scheduler() {
    ScheduledExecutorService s = Executors.newScheduledThreadPool(2);
    schedulers.add(s);
    return s;
  }

  RiverFS host(String name) throws FsException {
    return host(name, false);
  }

  /** A host; with {@code counted}, its coordinator calls add to {@link #roundTrips}. */
  RiverFS host(String name, boolean counted) throws FsException {
    RedisCoordinator[] made = new RedisCoordinator[1];
    Backends backends = Backends.discover()
        .register(new CoordinatorProvider() {
          @Override
          public String scheme() {
            return "killable";
          }

          @Override
          public Coordinator create(URI uri, BackendConfig c, BackendContext ctx) throws FsException {
            made[0] = (RedisCoordinator) new RedisCoordinatorProvider().create(URI.create(redisUri), c, ctx);
            return counted ? counting(made[0], Coordinator.class) : made[0];
          }
        });
    RiverFS fs = RiverFS.open(RiverFsConfig.builder()
        .backends(backends)
        .filesystemId(namespace)
        .dataDir(dir.resolve(name + "-data"))
        .cacheDir(dir.resolve(name + "-cache"))
        .metadataUri(metadataUri())
        .blobUri("local:" + dir.resolve("blobs"))
        .coordinatorUri("killable:")
        .backendConfig(BackendConfig.of(settings))
        .scheduler(scheduler())
        .build());
    hosts.add(fs);
    coordinators.put(fs, made[0]);
    return fs;
  }

  private <T> T counting(T target, Class<T> type) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
      if (!m.getName().equals("sessionId") && !m.getName().equals("isValid")) {
        roundTrips.incrementAndGet();
      }
      try {
        Object r = m.invoke(target, args);
        return r instanceof Lease l ? counting(l, Lease.class) : r;
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }));
  }

  /** The host dies: its Redis client stops without releasing locks, leases or marks; nothing is flushed. */
  void kill(RiverFS fs) {
    coordinators.get(fs).kill();
    hosts.remove(fs);
  }

  /** The coordinator of a host, for tests that hold coordination state directly. */
  Coordinator coordinator(RiverFS fs) {
    return coordinators.get(fs);
  }

  @Override
  public void close() throws Exception {
    for (RiverFS fs : hosts) {
      try {
        fs.close();
      } catch (Exception ignored) {
        // a host whose Redis went away may fail to close; the test has asserted what matters
      }
    }
    try {
      meta.close();
      sql("DROP DATABASE IF EXISTS " + database);
    } finally {
      schedulers.forEach(ScheduledExecutorService::shutdownNow);
    }
    if (redisUri.contains(":6379/")) {
      RedisTestKeys.deleteNamespaces(List.of(namespace));
    }
  }

  // ---- file helpers

  static long create(RiverFS fs, String name) throws FsException {
    return fs.create(ROOT, InodeId.ROOT, Name.of(name), 0644, OpenFlags.of(OpenFlags.O_RDWR)).handle();
  }

  static long open(RiverFS fs, String name, int flags) throws FsException {
    InodeAttributes a = fs.lookup(ROOT, InodeId.ROOT, Name.of(name));
    return fs.open(ROOT, a.id(), OpenFlags.of(flags)).handle();
  }

  static void write(RiverFS fs, long h, long off, String s) throws FsException {
    fs.write(h, off, ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
  }

  static String readAll(RiverFS fs, String name) throws FsException {
    long h = open(fs, name, OpenFlags.O_RDONLY);
    try {
      return read(fs, h);
    } finally {
      fs.release(h);
    }
  }

  static String read(RiverFS fs, long h) throws FsException {
    ByteBuffer b = ByteBuffer.allocate(1 << 20);
    int n;
    long off = 0;
    while ((n = fs.read(h, off, b)) > 0) {
      off += n;
    }
    b.flip();
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  static void closeDurably(RiverFS fs, long h) throws FsException {
    fs.flush(h);
    fs.fsync(h, false);
    fs.release(h);
  }
}
