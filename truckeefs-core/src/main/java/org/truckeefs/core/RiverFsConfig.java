package org.truckeefs.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.DiskWriteback;
import org.truckeefs.spi.Ticker;

/**
 * Everything {@link RiverFS#open} needs, validated once and then immutable. Build it with {@link #builder()} or
 * derive it from the seed's snake_case settings with {@link #fromSettings}.
 */
public final class RiverFsConfig {
  /** Default chunk size: 4 MiB, large enough for streaming throughput, small enough for cheap partial rewrites. */
  public static final int DEFAULT_CHUNK_SIZE = 4 << 20;
  public static final int MIN_CHUNK_SIZE = 64 << 10;
  public static final int MAX_CHUNK_SIZE = 64 << 20;
  /** The seed's {@code cache_ttl}: unused cache entries older than this are pruned. */
  public static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(14400);
  /** {@code dirty_memory}: memory for small files' unsaved bytes (chunks up to 64 KiB) until they are uploaded. */
  public static final long DEFAULT_DIRTY_MEMORY = 64L << 20;
  /**
   * How long metadata cached in-process is trusted when other hosts may change it: the kernel's default attr/entry
   * timeout, the same window.
   */
  public static final Duration DEFAULT_METADATA_CACHE_TTL = Duration.ofSeconds(1);
  /**
   * The same with a private in-JVM coordinator ({@code local:}): no other host exists, every change passes through
   * the one cache, so it is exact and entries leave by size; the bound only limits how long a bug could last.
   */
  public static final Duration ONE_HOST_METADATA_CACHE_TTL = Duration.ofHours(1);
  /** The seed's {@code sleep} for the cache prune daemon. */
  public static final Duration DEFAULT_PRUNE_INTERVAL = Duration.ofSeconds(3600);
  public static final int DEFAULT_MAX_CONNECTIONS = 10;
  /**
   * Unreferenced blobs are released only after this long, so an upload in flight (on any host) that produced one is
   * safe. A sole host with the local blob store releases them at once when none is set (see {@link #blobGcGrace}).
   */
  public static final Duration DEFAULT_BLOB_GC_GRACE = Duration.ofHours(1);
  public static final Duration DEFAULT_BLOB_GC_INTERVAL = Duration.ofMinutes(10);
  /** First delay before a failed upload is retried; doubles per failure up to {@link #MAX_UPLOAD_RETRY_DELAY}. */
  public static final Duration DEFAULT_UPLOAD_RETRY_DELAY = Duration.ofSeconds(2);
  public static final Duration MAX_UPLOAD_RETRY_DELAY = Duration.ofMinutes(5);
  /** Empty: the namespace is the id the metadata store made up at its first start. */
  public static final String DEFAULT_FILESYSTEM_ID = "";
  /** The seed's cache directory name, inside data_dir unless cache_dir says otherwise. */
  public static final String DEFAULT_CACHE_DIR = ".tahoe-cache";
  /** A size setting chosen at start from the cache filesystem (free_space_floor, dirty_limit). */
  public static final long AUTO = -1;

  private final URI metadataUri;
  private final URI blobUri;
  private final URI coordinatorUri;
  private final BackendConfig backendConfig;
  private final Path dataDir;
  private final Path cacheDir;
  private final long cacheSize;
  private final long freeSpaceFloor;
  private final long dirtyLimit;
  private final long dirtyMemory;
  private final Duration cacheTtl;
  private final Duration metadataCacheTtl;
  private final Duration metadataCacheTtlSetting; // null: chosen by the coordinator
  private final boolean cacheMaintenance;
  private final Duration pruneInterval;
  private final int chunkSize;
  private final int maxConnections;
  private final Duration blobGcGrace;
  private final Duration blobGcGraceSetting; // null: the default, and prompt release where exact
  private final Duration blobGcInterval;
  private final Duration uploadRetryDelay;
  private final Clock clock;
  private final Ticker ticker;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService uploadExecutor;
  private final ExecutorService putExecutor;
  private final ExecutorService readAheadExecutor;
  private final ExecutorService hashExecutor;
  private final DiskWriteback diskWriteback;
  private final Backends backends;
  private final String filesystemId;

  private RiverFsConfig(Builder b) {
    this.metadataUri = b.metadataUri;
    this.blobUri = b.blobUri;
    this.coordinatorUri = b.coordinatorUri;
    this.backendConfig = b.backendConfig;
    this.dataDir = b.dataDir.toAbsolutePath().normalize();
    this.cacheDir = b.cacheDir == null ? dataDir.resolve(DEFAULT_CACHE_DIR) : b.cacheDir.toAbsolutePath().normalize();
    this.cacheSize = b.cacheSize;
    this.freeSpaceFloor = b.freeSpaceFloor;
    this.dirtyLimit = b.dirtyLimit;
    this.dirtyMemory = b.dirtyMemory;
    this.cacheTtl = b.cacheTtl;
    this.metadataCacheTtlSetting = b.metadataCacheTtl;
    this.metadataCacheTtl = b.metadataCacheTtl != null ? b.metadataCacheTtl
        : oneHost(b.coordinatorUri) ? ONE_HOST_METADATA_CACHE_TTL : DEFAULT_METADATA_CACHE_TTL;
    this.cacheMaintenance = b.cacheMaintenance;
    this.pruneInterval = b.pruneInterval;
    this.chunkSize = b.chunkSize;
    this.maxConnections = b.maxConnections;
    this.blobGcGraceSetting = b.blobGcGrace;
    this.blobGcGrace = b.blobGcGrace != null ? b.blobGcGrace : DEFAULT_BLOB_GC_GRACE;
    this.blobGcInterval = b.blobGcInterval;
    this.uploadRetryDelay = b.uploadRetryDelay;
    this.clock = b.clock;
    this.ticker = b.ticker;
    this.scheduler = b.scheduler;
    this.uploadExecutor = b.uploadExecutor;
    this.putExecutor = b.putExecutor;
    this.readAheadExecutor = b.readAheadExecutor;
    this.hashExecutor = b.hashExecutor;
    this.diskWriteback = b.diskWriteback;
    this.backends = b.backends;
    this.filesystemId = b.filesystemId;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.metadataUri = metadataUri;
    b.blobUri = blobUri;
    b.coordinatorUri = coordinatorUri;
    b.backendConfig = backendConfig;
    b.dataDir = dataDir;
    b.cacheDir = cacheDir;
    b.cacheSize = cacheSize;
    b.freeSpaceFloor = freeSpaceFloor;
    b.dirtyLimit = dirtyLimit;
    b.dirtyMemory = dirtyMemory;
    b.cacheTtl = cacheTtl;
    b.metadataCacheTtl = metadataCacheTtlSetting;
    b.cacheMaintenance = cacheMaintenance;
    b.pruneInterval = pruneInterval;
    b.chunkSize = chunkSize;
    b.maxConnections = maxConnections;
    b.blobGcGrace = blobGcGraceSetting;
    b.blobGcInterval = blobGcInterval;
    b.uploadRetryDelay = uploadRetryDelay;
    b.clock = clock;
    b.ticker = ticker;
    b.scheduler = scheduler;
    b.uploadExecutor = uploadExecutor;
    b.putExecutor = putExecutor;
    b.readAheadExecutor = readAheadExecutor;
    b.hashExecutor = hashExecutor;
    b.diskWriteback = diskWriteback;
    b.backends = backends;
    b.filesystemId = filesystemId;
    return b;
  }

  /**
   * Every configuration key the library and the CLI accept, with its default, unit and description: the one table
   * {@link #settings}, {@link #fromSettings}, the CLI's flags and {@code --help}, and the docs are made from.
   */
  public static final List<ConfigKey> KEYS = ConfigKey.table();

  /** The key named {@code nameOrAlias}, or empty when there is no such key. */
  public static Optional<ConfigKey> key(String nameOrAlias) {
    return SettingsParser.key(nameOrAlias);
  }

  /** A hint for an unknown key: the known keys a typo away, or where to look. */
  public static String suggest(String unknown) {
    return SettingsParser.suggest(unknown);
  }

  /**
   * The one settings parser of the library and the CLI (see {@link SettingsParser#settings}): aliases renamed,
   * unknown keys rejected, values checked and normalized, defaults of {@link #KEYS} filled in, paths made absolute.
   *
   * @throws FsException {@link FsError#INVALID} naming the first bad key
   */
  public static Map<String, String> settings(Map<String, String> given) throws FsException {
    return SettingsParser.settings(given);
  }

  /**
   * Derives a configuration from the seed's settings (see {@link #KEYS} and {@link SettingsParser#toConfig}):
   * unknown keys and bad values are errors; explicit metadata_uri, blob_uri, coordinator_uri win over derivation.
   */
  public static RiverFsConfig fromSettings(Map<String, String> settings) throws FsException {
    return SettingsParser.toConfig(settings, Backends.discover());
  }

  public static RiverFsConfig fromSettings(Map<String, String> settings, Backends backends) throws FsException {
    return SettingsParser.toConfig(settings, backends);
  }

  /** A file URI with another scheme: {@code sqlite:/abs/path}. */
  static URI pathUri(String scheme, Path path) throws FsException {
    try {
      return new URI(scheme, null, path.toString(), null);
    } catch (URISyntaxException e) {
      throw new FsException(FsError.INVALID, "cannot make a " + scheme + " URI of " + path);
    }
  }

  public URI metadataUri() {
    return metadataUri;
  }

  public URI blobUri() {
    return blobUri;
  }

  public URI coordinatorUri() {
    return coordinatorUri;
  }

  public BackendConfig backendConfig() {
    return backendConfig;
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path cacheDir() {
    return cacheDir;
  }

  /** Cache limit in bytes; 0 = unlimited. */
  public long cacheSize() {
    return cacheSize;
  }

  /**
   * Free space kept on the cache's filesystem by evicting clean chunks, in bytes; {@link #AUTO} (the default) for
   * 5% of that filesystem, at most 1 GiB.
   */
  public long freeSpaceFloor() {
    return freeSpaceFloor;
  }

  /**
   * Dirty (written, not yet uploaded) bytes above which writers wait for uploads, in bytes; {@link #AUTO} (the
   * default) for half the free space of the cache's filesystem at start (above the floor), or {@code cache_size} if
   * that is smaller.
   */
  public long dirtyLimit() {
    return dirtyLimit;
  }

  /** Bytes small files' unsaved chunks may keep in memory (and in the write-back journal) instead of cache files. */
  public long dirtyMemory() {
    return dirtyMemory;
  }

  public Duration cacheTtl() {
    return cacheTtl;
  }

  /**
   * How long this host answers attributes, directory entries and "no xattrs" from memory: exact for this host's
   * own changes, at most this stale for another host's (less when its change events arrive); 0 turns it off. Unset:
   * {@link #ONE_HOST_METADATA_CACHE_TTL} with a private in-JVM coordinator, else {@link #DEFAULT_METADATA_CACHE_TTL}.
   */
  public Duration metadataCacheTtl() {
    return metadataCacheTtl;
  }

  /** Whether this is the only host (a private in-JVM coordinator): then the metadata cache is exact. */
  boolean soleHost() {
    return oneHost(coordinatorUri);
  }

  /** A private in-JVM coordinator ({@code local:}, not a shared {@code local://space}): this is the only host. */
  private static boolean oneHost(URI coordinator) {
    return coordinator.getScheme().equals("local")
        && (coordinator.getAuthority() == null || coordinator.getAuthority().isBlank());
  }

  public boolean cacheMaintenance() {
    return cacheMaintenance;
  }

  /** The seed's {@code sleep}: how often the cache prune daemon runs. */
  public Duration pruneInterval() {
    return pruneInterval;
  }

  public int chunkSize() {
    return chunkSize;
  }

  public int maxConnections() {
    return maxConnections;
  }

  /**
   * How long the blob collector leaves a blob no chunk references. Unset, it is {@link #DEFAULT_BLOB_GC_GRACE}, and
   * a sole host whose blob store names blobs by digest (the local one) also releases each such blob as soon as the
   * commit that dropped it is durable ({@link #promptBlobRelease}); set, it is the only way blobs go.
   */
  public Duration blobGcGrace() {
    return blobGcGrace;
  }

  /** Whether blobs may be released as soon as nothing references them (when the blob store allows it exactly). */
  boolean promptBlobRelease() {
    return blobGcGraceSetting == null && soleHost();
  }

  public Duration blobGcInterval() {
    return blobGcInterval;
  }

  public Duration uploadRetryDelay() {
    return uploadRetryDelay;
  }

  public Clock clock() {
    return clock;
  }

  public Ticker ticker() {
    return ticker;
  }

  /** The scheduler for daemons, or empty: RiverFS then creates (and later shuts down) its own. */
  public Optional<ScheduledExecutorService> scheduler() {
    return Optional.ofNullable(scheduler);
  }

  /** Runs one background upload (drain) per file, or empty: RiverFS creates its own ({@code max_connections}). */
  public Optional<ExecutorService> uploadExecutor() {
    return Optional.ofNullable(uploadExecutor);
  }

  /** Runs the blob puts (its size bounds concurrent uploads), or empty: RiverFS creates {@code max_connections}. */
  public Optional<ExecutorService> putExecutor() {
    return Optional.ofNullable(putExecutor);
  }

  /** Runs read-ahead fetches, or empty: RiverFS creates its own. */
  public Optional<ExecutorService> readAheadExecutor() {
    return Optional.ofNullable(readAheadExecutor);
  }

  /**
   * Hashes chunks being written (SHA-256, the local blob store's names) behind their writers, or empty: RiverFS
   * creates its own (one thread fewer than the host's cores, at least one).
   */
  public Optional<ExecutorService> hashExecutor() {
    return Optional.ofNullable(hashExecutor);
  }

  /**
   * Starts the disk write of chunk files written sequentially while they are written (see {@link DiskWriteback}),
   * or empty: the one {@link java.util.ServiceLoader} finds, if any.
   */
  public Optional<DiskWriteback> diskWriteback() {
    return Optional.ofNullable(diskWriteback);
  }

  /** The provider registry, or empty: {@link Backends#discover()} at open. */
  public Optional<Backends> backends() {
    return Optional.ofNullable(backends);
  }

  /**
   * Setting {@code nice}: the Linux nice value of the daemon threads (not of uploads, which fsync waits on). 19 (the seed's default)
   * through {@link #fromSettings}; 0 (unchanged) when built without settings.
   */
  public int backgroundNice() {
    try {
      return backendConfig.getInt("nice", 0);
    } catch (FsException e) {
      return 0; // checked by settings() already; a hand-built BackendConfig with a bad value keeps the priority
    }
  }

  public String filesystemId() {
    return filesystemId;
  }

  @Override
  public String toString() {
    return "RiverFsConfig[metadata=" + metadataUri + ", blobs=" + blobUri + ", coordinator=" + coordinatorUri
        + ", dataDir=" + dataDir + ", cacheDir=" + cacheDir + ", cacheSize=" + cacheSize + ", cacheTtl=" + cacheTtl
        + ", chunkSize=" + chunkSize + ", maxConnections=" + maxConnections + ", settings=" + backendConfig + "]";
  }

  static FsException bad(String field, Object value, String rule) {
    return new FsException(FsError.INVALID, field + " = " + value + " " + rule);
  }

  /** Collects settings; {@link #build()} validates them all and fails on the first bad one, naming it. */
  public static final class Builder {
    private URI metadataUri = URI.create("memory:/");
    private URI blobUri;
    private URI coordinatorUri = URI.create("local:/");
    private BackendConfig backendConfig = BackendConfig.empty();
    private Path dataDir;
    private Path cacheDir;
    private long cacheSize = 0;
    private long freeSpaceFloor = AUTO;
    private long dirtyLimit = AUTO;
    private long dirtyMemory = DEFAULT_DIRTY_MEMORY;
    private Duration cacheTtl = DEFAULT_CACHE_TTL;
    private Duration metadataCacheTtl; // null: by the coordinator (build)
    private boolean cacheMaintenance = true;
    private Duration pruneInterval = DEFAULT_PRUNE_INTERVAL;
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private Duration blobGcGrace; // null: the default (build)
    private Duration blobGcInterval = DEFAULT_BLOB_GC_INTERVAL;
    private Duration uploadRetryDelay = DEFAULT_UPLOAD_RETRY_DELAY;
    private Clock clock = Clock.systemUTC();
    private Ticker ticker = Ticker.system();
    private ScheduledExecutorService scheduler;
    private ExecutorService uploadExecutor;
    private ExecutorService putExecutor;
    private ExecutorService readAheadExecutor;
    private ExecutorService hashExecutor;
    private DiskWriteback diskWriteback;
    private Backends backends;
    private String filesystemId = DEFAULT_FILESYSTEM_ID;

    private Builder() {}

    public Builder metadataUri(URI uri) {
      this.metadataUri = uri;
      return this;
    }

    /** Also accepts a bare scheme such as {@code memory:}. */
    public Builder metadataUri(String uri) throws FsException {
      return metadataUri(parseUri("metadata_uri", uri));
    }

    public Builder blobUri(URI uri) {
      this.blobUri = uri;
      return this;
    }

    /** Also accepts a bare scheme such as {@code tahoe:}. */
    public Builder blobUri(String uri) throws FsException {
      return blobUri(parseUri("blob_uri", uri));
    }

    public Builder coordinatorUri(URI uri) {
      this.coordinatorUri = uri;
      return this;
    }

    /** Also accepts a bare scheme such as {@code local:}. */
    public Builder coordinatorUri(String uri) throws FsException {
      return coordinatorUri(parseUri("coordinator_uri", uri));
    }

    public Builder backendConfig(BackendConfig config) {
      this.backendConfig = config;
      return this;
    }

    /** Where local state lives (default blob dir, cache dir, embedded database). Required. */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Default {@code <data_dir>/.tahoe-cache}. */
    public Builder cacheDir(Path dir) {
      this.cacheDir = dir;
      return this;
    }

    /** In bytes; 0 = unlimited. */
    public Builder cacheSize(long bytes) {
      this.cacheSize = bytes;
      return this;
    }

    /** In bytes, or {@link RiverFsConfig#AUTO}. */
    public Builder freeSpaceFloor(long bytes) {
      this.freeSpaceFloor = bytes;
      return this;
    }

    /** In bytes, or {@link RiverFsConfig#AUTO}. */
    public Builder dirtyLimit(long bytes) {
      this.dirtyLimit = bytes;
      return this;
    }

    /** In bytes; 0 keeps every unsaved chunk in a cache file of its own. */
    public Builder dirtyMemory(long bytes) {
      this.dirtyMemory = bytes;
      return this;
    }

    public Builder cacheTtl(Duration ttl) {
      this.cacheTtl = ttl;
      return this;
    }

    public Builder metadataCacheTtl(Duration ttl) {
      this.metadataCacheTtl = ttl;
      return this;
    }

    public Builder cacheMaintenance(boolean enabled) {
      this.cacheMaintenance = enabled;
      return this;
    }

    /** The seed's {@code sleep}. */
    public Builder pruneInterval(Duration interval) {
      this.pruneInterval = interval;
      return this;
    }

    public Builder chunkSize(int bytes) {
      this.chunkSize = bytes;
      return this;
    }

    public Builder maxConnections(int n) {
      this.maxConnections = n;
      return this;
    }

    /** Null: unset, as by default (see {@link RiverFsConfig#blobGcGrace}). */
    public Builder blobGcGrace(Duration grace) {
      this.blobGcGrace = grace;
      return this;
    }

    public Builder blobGcInterval(Duration interval) {
      this.blobGcInterval = interval;
      return this;
    }

    public Builder uploadRetryDelay(Duration delay) {
      this.uploadRetryDelay = delay;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder ticker(Ticker ticker) {
      this.ticker = ticker;
      return this;
    }

    /** Runs the daemons; owned by the caller (RiverFS never shuts it down). */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /**
     * The write-back pipeline's executors, owned by the caller (RiverFS never shuts them down): {@code uploads} runs
     * one drain per file, which waits for its chunk puts on {@code puts}, so the two must differ; the size of
     * {@code puts} bounds concurrent blob uploads. Null for either: RiverFS creates and owns that one.
     */
    public Builder uploadExecutors(ExecutorService uploads, ExecutorService puts) {
      this.uploadExecutor = uploads;
      this.putExecutor = puts;
      return this;
    }

    /** Runs read-ahead fetches; owned by the caller. Null: RiverFS creates and owns one. */
    public Builder readAheadExecutor(ExecutorService readAhead) {
      this.readAheadExecutor = readAhead;
      return this;
    }

    /** Hashes chunks behind their writers; owned by the caller. Null: RiverFS creates and owns one. */
    public Builder hashExecutor(ExecutorService hashers) {
      this.hashExecutor = hashers;
      return this;
    }

    /** Starts chunk files' disk writes early; {@link DiskWriteback#NONE} for never. Null: found at open. */
    public Builder diskWriteback(DiskWriteback writeback) {
      this.diskWriteback = writeback;
      return this;
    }

    public Builder backends(Backends backends) {
      this.backends = backends;
      return this;
    }

    public Builder filesystemId(String id) {
      this.filesystemId = id;
      return this;
    }

    public RiverFsConfig build() throws FsException {
      if (dataDir == null) {
        throw new FsException(FsError.INVALID, "data_dir is required");
      }
      if (uploadExecutor != null && uploadExecutor == putExecutor) {
        throw new FsException(FsError.INVALID, "uploadExecutors: uploads and puts must be different executors "
            + "(an upload waits for its puts)");
      }
      require(metadataUri != null && metadataUri.getScheme() != null, "metadata_uri", metadataUri, "needs a scheme");
      if (blobUri == null) {
        blobUri = pathUri("local", dataDir.toAbsolutePath().normalize().resolve("blobs"));
      }
      require(blobUri.getScheme() != null, "blob_uri", blobUri, "needs a scheme");
      require(coordinatorUri != null && coordinatorUri.getScheme() != null, "coordinator_uri", coordinatorUri,
          "needs a scheme");
      require(cacheSize >= 0, "cache_size", cacheSize, "must be >= 0 (0 = unlimited)");
      require(freeSpaceFloor >= 0 || freeSpaceFloor == AUTO, "free_space_floor", freeSpaceFloor, "must be >= 0");
      require(dirtyLimit > 0 || dirtyLimit == AUTO, "dirty_limit", dirtyLimit, "must be > 0");
      require(dirtyMemory >= 0, "dirty_memory", dirtyMemory, "must be >= 0 (0 = none)");
      require(cacheTtl != null && !cacheTtl.isNegative(), "cache_ttl", cacheTtl, "must be >= 0");
      require(metadataCacheTtl == null || !metadataCacheTtl.isNegative(), "metadata_cache_ttl", metadataCacheTtl,
          "must be >= 0 (0 = no metadata cache)");
      require(pruneInterval != null && !pruneInterval.isNegative() && !pruneInterval.isZero(), "sleep", pruneInterval,
          "must be > 0");
      require(Integer.bitCount(chunkSize) == 1 && chunkSize >= MIN_CHUNK_SIZE && chunkSize <= MAX_CHUNK_SIZE,
          "chunk_size", chunkSize, "must be a power of two between 64 KiB and 64 MiB");
      require(maxConnections >= 1 && maxConnections <= 1024, "max_connections", maxConnections,
          "must be between 1 and 1024");
      require(blobGcGrace == null || !blobGcGrace.isNegative(), "blob_gc_grace", blobGcGrace, "must be >= 0");
      require(blobGcInterval != null && !blobGcInterval.isNegative() && !blobGcInterval.isZero(), "blob_gc_interval",
          blobGcInterval, "must be > 0");
      require(uploadRetryDelay != null && !uploadRetryDelay.isNegative() && !uploadRetryDelay.isZero(),
          "upload_retry_delay", uploadRetryDelay, "must be > 0");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(ticker, "ticker");
      require(filesystemId != null && filesystemId.matches("[A-Za-z0-9_.-]{0,64}"), "filesystem_id", filesystemId,
          "must be empty or 1-64 letters, digits, '_', '.' or '-'");
      return new RiverFsConfig(this);
    }

    private static void require(boolean ok, String field, Object value, String rule) throws FsException {
      if (!ok) {
        throw bad(field, value, rule);
      }
    }

    private static URI parseUri(String field, String raw) throws FsException {
      if (raw == null || raw.isBlank()) {
        throw bad(field, "''", "must be a URI such as memory: or local:/dir");
      }
      String s = raw.trim();
      if (s.matches("[A-Za-z][A-Za-z0-9+.-]*:")) {
        s = s + "/";
      }
      try {
        URI u = new URI(s);
        if (u.getScheme() == null) {
          throw bad(field, raw, "needs a scheme, such as memory: or local:/dir");
        }
        return u;
      } catch (URISyntaxException e) {
        throw bad(field, raw, "is not a URI: " + e.getReason());
      }
    }
  }
}
