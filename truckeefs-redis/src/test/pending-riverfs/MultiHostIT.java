package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.core.Backends;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;
import org.truckeefs.spi.Ticker;
import org.truckeefs.testkit.RequiredService;

/**
 * Two RiverFS "hosts" in one JVM: separate cache directories, one Redis namespace, one {@code local:} blob
 * directory and one metadata store (MariaDB when its provider is on the classpath, else one shared in-memory
 * store standing in for it).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MultiHostIT {
  private static final Caller ROOT = Caller.ROOT;
  @TempDir Path dir;
  private final String namespace = "multihost-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<ScheduledExecutorService> schedulers = new ArrayList<>();
  private final List<RiverFS> hosts = new ArrayList<>();
  private MetadataStore sharedMeta;

  @BeforeEach
  void needRedis() throws Exception {
    RequiredService.requireRedis();
    ScheduledExecutorService s = scheduler();
    BackendContext ctx = new BackendContext(namespace, dir.resolve("meta"), Clock.systemUTC(), Ticker.system(), s);
    MetadataStore real = Backends.discover().metadataStore("memory")
        .create(URI.create("memory:/"), BackendConfig.empty(), ctx);
    sharedMeta = (MetadataStore) Proxy.newProxyInstance(MetadataStore.class.getClassLoader(),
        new Class<?>[] {MetadataStore.class}, (proxy, m, args) -> {
          if (m.getName().equals("close")) {
            return null; // each host closes its view; the test closes the store
          }
          try {
            return m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @AfterEach
  void closeAll() throws Exception {
    for (RiverFS fs : hosts) {
      try {
        fs.close();
      } catch (Exception ignored) {
        // a killed host may fail to close
      }
    }
    schedulers.forEach(ScheduledExecutorService::shutdownNow);
    RedisTestKeys.deleteNamespaces(List.of(namespace));
  }

  private ScheduledExecutorService scheduler() {
    ScheduledExecutorService s = Executors.newScheduledThreadPool(2);
    schedulers.add(s);
    return s;
  }

  private RiverFS host(String name) throws Exception {
    return host(name, scheduler());
  }

  private RiverFS host(String name, ScheduledExecutorService scheduler) throws Exception {
    Backends backends = Backends.discover().register(new MetadataStoreProvider() {
      @Override
      public String scheme() {
        return "shared";
      }

      @Override
      public MetadataStore create(URI uri, BackendConfig c, BackendContext ctx) {
        return sharedMeta;
      }
    });
    Map<String, String> settings = new HashMap<>(Map.of("redis_session_ttl", "1500ms", "reset_redis", "false"));
    RiverFS fs = RiverFS.open(RiverFsConfig.builder()
        .backends(backends)
        .filesystemId(namespace)
        .dataDir(dir.resolve(name + "-data"))
        .cacheDir(dir.resolve(name + "-cache"))
        .metadataUri("shared:")
        .blobUri("local:" + dir.resolve("blobs"))
        .coordinatorUri("redis://127.0.0.1:6379/0")
        .backendConfig(BackendConfig.of(settings))
        .scheduler(scheduler)
        .build());
    hosts.add(fs);
    return fs;
  }

  private static long create(RiverFS fs, String name) throws FsException {
    return fs.create(ROOT, InodeId.ROOT, Name.of(name), 0644, OpenFlags.of(OpenFlags.O_RDWR)).handle();
  }

  private static long open(RiverFS fs, String name, int flags) throws FsException {
    InodeAttributes a = fs.lookup(ROOT, InodeId.ROOT, Name.of(name));
    return fs.open(ROOT, a.id(), OpenFlags.of(flags)).handle();
  }

  private static void write(RiverFS fs, long h, long off, String s) throws FsException {
    fs.write(h, off, ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
  }

  private static String readAll(RiverFS fs, String name) throws FsException {
    long h = open(fs, name, OpenFlags.O_RDONLY);
    try {
      return read(fs, h);
    } finally {
      fs.release(h);
    }
  }

  private static String read(RiverFS fs, long h) throws FsException {
    ByteBuffer b = ByteBuffer.allocate(1 << 20);
    int n;
    long off = 0;
    while ((n = fs.read(h, off, b)) > 0) {
      off += n;
    }
    b.flip();
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  private static void closeDurably(RiverFS fs, long h) throws FsException {
    fs.flush(h);
    fs.fsync(h, false);
    fs.release(h);
  }

  @Test
  void closeToOpen_writerClosesThenReaderOpens_seesTheNewData() throws Exception {
    RiverFS a = host("a");
    RiverFS b = host("b");
    long h = create(a, "note");
    write(a, h, 0, "first");
    closeDurably(a, h);
    assertThat(readAll(b, "note")).isEqualTo("first");

    long h2 = open(a, "note", OpenFlags.O_WRONLY | OpenFlags.O_TRUNC);
    write(a, h2, 0, "second version");
    closeDurably(a, h2);
    assertThat(readAll(b, "note")).isEqualTo("second version");
  }

  @Test
  @Disabled("needs core close-to-open: an open() or a granted lock must revalidate the inode from the MetadataStore;"
      + " today a host that keeps the file open appends at its stale size and the commit lays its chunks on top")
  void appendsUnderFlock_fromTwoHosts_giveEveryRecordIntact() throws Exception {
    RiverFS a = host("a");
    RiverFS b = host("b");
    closeDurably(a, create(a, "log"));
    int perHost = 1000;
    var pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Object>> done = new ArrayList<>();
      for (RiverFS fs : List.of(a, b)) {
        String tag = fs == a ? "A" : "B";
        done.add(pool.submit(() -> {
          for (int i = 0; i < perHost; i++) {
            long h = open(fs, "log", OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
            fs.flock(h, 1000 + h, LockRange.Type.WRITE, true);
            long h2 = open(fs, "log", OpenFlags.O_WRONLY | OpenFlags.O_APPEND); // opened under the lock: fresh view
            write(fs, h2, 0, String.format("%s%06d\n", tag, i));
            closeDurably(fs, h2);
            fs.flock(h, 1000 + h, LockRange.Type.UNLOCK, false);
            fs.release(h);
          }
          return null;
        }));
      }
      for (Future<Object> f : done) {
        f.get(110, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    String[] records = readAll(a, "log").split("\n");
    assertThat(records).hasSize(2 * perHost);
    assertThat(records).allMatch(r -> r.matches("[AB]\\d{6}"));
    assertThat(java.util.Arrays.stream(records).distinct().count()).isEqualTo(2L * perHost);
  }

  @Test
  void fcntlRangeLocks_excludeAcrossHosts() throws Exception {
    RiverFS a = host("a");
    RiverFS b = host("b");
    closeDurably(a, create(a, "db"));
    long ha = open(a, "db", OpenFlags.O_RDWR);
    long hb = open(b, "db", OpenFlags.O_RDWR);
    a.setlk(ha, 1, new LockRange(LockRange.Type.WRITE, 0, 99, 4242), false);
    assertThatThrownBy(() -> b.setlk(hb, 1, new LockRange(LockRange.Type.WRITE, 50, 60, 77), false))
        .isInstanceOf(FsException.class).satisfies(e -> assertThat(((FsException) e).error()).isEqualTo(FsError.AGAIN));
    assertThat(b.getlk(hb, 1, new LockRange(LockRange.Type.READ, 10, 10, 77)))
        .satisfies(r -> assertThat(r.pid()).isEqualTo(4242));
    b.setlk(hb, 1, new LockRange(LockRange.Type.WRITE, 100, 199, 77), false);
    a.release(ha); // closing the file releases its locks
    b.setlk(hb, 1, new LockRange(LockRange.Type.WRITE, 0, 99, 77), false);
    b.release(hb);
  }

  @Test
  void unlinkOnOneHost_whileOpenOnTheOther_staysReadableUntilClose() throws Exception {
    RiverFS a = host("a");
    RiverFS b = host("b");
    long h = create(a, "doomed");
    write(a, h, 0, "still here");
    closeDurably(a, h);
    long hb = open(b, "doomed", OpenFlags.O_RDONLY);
    a.unlink(ROOT, InodeId.ROOT, Name.of("doomed"));
    assertThatThrownBy(() -> b.lookup(ROOT, InodeId.ROOT, Name.of("doomed"))).isInstanceOf(FsException.class);
    assertThat(read(b, hb)).isEqualTo("still here");
    b.release(hb);
  }

  @Test
  void killedHost_locksExpire_andTheOtherProceeds() throws Exception {
    ScheduledExecutorService aThreads = scheduler();
    RiverFS a = host("a", aThreads);
    RiverFS b = host("b");
    closeDurably(a, create(a, "locked"));
    long ha = open(a, "locked", OpenFlags.O_RDWR);
    a.flock(ha, 1, LockRange.Type.WRITE, false);
    a.setlk(ha, 1, new LockRange(LockRange.Type.WRITE, 0, Long.MAX_VALUE, 1), false);
    long hb = open(b, "locked", OpenFlags.O_RDWR);
    assertThatThrownBy(() -> b.flock(hb, 2, LockRange.Type.WRITE, false)).isInstanceOf(FsException.class);
    aThreads.shutdownNow(); // host A hangs: no more heartbeats, nothing released
    b.flock(hb, 2, LockRange.Type.WRITE, true);
    b.setlk(hb, 2, new LockRange(LockRange.Type.WRITE, 0, Long.MAX_VALUE, 2), true);
    b.release(hb);
  }
}
