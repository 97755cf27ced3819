package org.truckeefs.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitMark;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.Ticker;

/**
 * The SQL metadata store's hot calls, straight through the {@link MetadataStore} SPI (no RiverFS, no cache in
 * front): what one create, lookup, getattr, setattr or unlink costs on SQLite (a file under
 * {@code truckeefs.bench.dir} or the temp directory) and on MariaDB (a throw-away database on
 * {@code truckeefs.bench.mariadb}, default {@code 127.0.0.1:3306}, user root, no password). The {@code *4}
 * benchmarks run 4 threads, each creating in its own directory, to show how concurrent writers share the store.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SqlStoreBenchmark {
  private static final int FILE_MODE = 0644;

  @Param({"sqlite", "mariadb"})
  public String engine;

  private Path dir;
  private String database;
  private String mariaDbHost;
  private ScheduledExecutorService scheduler;
  private MetadataStore store;
  private InodeId a;
  private InodeId f;
  private final Name fName = name("f");
  private InodeId createDir;
  private long iteration;
  private final AtomicLong counter = new AtomicLong();
  private final AtomicLong dirs = new AtomicLong();

  @Setup(Level.Trial)
  public void open() throws IOException, FsException, SQLException {
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-scheduler");
      t.setDaemon(true);
      return t;
    });
    dir = Backend.scratchDir("sql");
    BackendContext context = new BackendContext("bench", dir, Clock.systemUTC(), Ticker.system(), scheduler);
    URI uri;
    BackendConfig config;
    if (engine.equals("sqlite")) {
      uri = URI.create("sqlite:" + dir.resolve("metadata.db").toAbsolutePath());
      config = BackendConfig.empty();
    } else {
      mariaDbHost = System.getProperty("truckeefs.bench.mariadb", "127.0.0.1:3306");
      database = "tfs_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
      admin("CREATE DATABASE " + database);
      uri = URI.create("mariadb://" + mariaDbHost + "/" + database);
      config = BackendConfig.of(Map.of("sql_user", "root", "sql_pass", ""));
    }
    store = provider(uri.getScheme()).create(uri, config, context);
    store.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, Instant.now(), null));
    a = store.create(InodeId.ROOT, name("a"), dirSpec()).id();
    f = store.create(a, fName, fileSpec()).id();
  }

  /** A fresh directory per iteration, so that directory sizes stay comparable between iterations. */
  @Setup(Level.Iteration)
  public void newDirectory() throws FsException {
    createDir = store.create(InodeId.ROOT, name("create" + iteration++), dirSpec()).id();
  }

  /** Each thread of the 4-thread benchmarks creates in a directory of its own. */
  @State(Scope.Thread)
  public static class PerThread {
    InodeId dir;
    long n;

    @Setup(Level.Iteration)
    public void newDirectory(SqlStoreBenchmark b) throws FsException {
      dir = b.store.create(InodeId.ROOT, name("t" + b.dirs.incrementAndGet()), dirSpec()).id();
      n = 0;
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException, SQLException {
    store.close();
    scheduler.shutdownNow();
    if (database != null) {
      admin("DROP DATABASE IF EXISTS " + database);
    }
    Backend.deleteTree(dir);
  }

  @Benchmark
  public InodeAttributes getattr() throws FsException {
    return store.getAttributes(f);
  }

  @Benchmark
  public Object lookup() throws FsException {
    return store.lookupAttributes(a, fName);
  }

  @Benchmark
  public InodeAttributes setattr() throws FsException {
    return store.setAttributes(f, new AttrUpdate(null, null, null, null, Instant.now(), Instant.now()));
  }

  @Benchmark
  public InodeAttributes create() throws FsException {
    return store.create(createDir, name("f" + counter.incrementAndGet()), fileSpec());
  }

  /** create then unlink with purge, as RiverFS unlinks a closed file: subtract create for the unlink alone. */
  @Benchmark
  public Object createAndUnlink() throws FsException {
    Name n = name("u" + counter.incrementAndGet());
    InodeAttributes created = store.create(createDir, n, fileSpec());
    return store.unlink(createDir, n, false, Instant.now(), created.id());
  }

  /**
   * A small file's two store writes: its create, then its upload's content commit (one chunk, a blob of its own, the
   * commit mark that makes a replay after a crash idempotent), as the write-back pipeline sends them.
   */
  @Benchmark
  public CommitResult createAndCommit() throws FsException {
    long n = counter.incrementAndGet();
    InodeAttributes created = store.create(createDir, name("c" + n), fileSpec());
    BlobRef blob = BlobRef.of(String.format("sha256:%064x", n));
    return store.commitContent(new ContentCommit(created.id(), created.version(), 100,
        List.of(new ChunkRef(0, blob, 100)), 1, Instant.now(), 0, new CommitMark("bench", n)));
  }

  @Benchmark
  @Threads(4)
  public InodeAttributes create4(PerThread t) throws FsException {
    return store.create(t.dir, name("f" + t.n++), fileSpec());
  }

  private void admin(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + mariaDbHost + "/", "root", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static MetadataStoreProvider provider(String scheme) {
    for (MetadataStoreProvider p : ServiceLoader.load(MetadataStoreProvider.class)) {
      if (p.scheme().equals(scheme)) {
        return p;
      }
    }
    throw new IllegalStateException("no metadata store provider for " + scheme + ": is truckeefs-sql on the class path?");
  }

  private static NewInode fileSpec() {
    return new NewInode(InodeType.FILE, FILE_MODE, 0, 0, 0, Instant.now(), null);
  }

  private static NewInode dirSpec() {
    return new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, Instant.now(), null);
  }

  private static Name name(String s) {
    try {
      return Name.of(s);
    } catch (FsException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
