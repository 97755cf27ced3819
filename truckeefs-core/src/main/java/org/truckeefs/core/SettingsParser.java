package org.truckeefs.core;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

/**
 * The seed's flat snake_case settings turned into a {@link RiverFsConfig}: key lookup (aliases too) and typo hints,
 * parsing and normalizing against {@link RiverFsConfig#KEYS}, and deriving the backends' URIs. The same parser for
 * the library and the CLI; {@link RiverFsConfig}'s public {@code settings}, {@code fromSettings}, {@code key} and
 * {@code suggest} are its entry points.
 */
final class SettingsParser {
  private SettingsParser() {}

  private static final Map<String, ConfigKey> BY_NAME = byName();

  private static Map<String, ConfigKey> byName() {
    Map<String, ConfigKey> m = new LinkedHashMap<>();
    for (ConfigKey k : RiverFsConfig.KEYS) {
      m.put(k.name(), k);
      k.aliases().forEach(a -> m.put(a, k));
    }
    return Map.copyOf(m);
  }

  /** The key named {@code nameOrAlias}, or empty when there is no such key. */
  static Optional<ConfigKey> key(String nameOrAlias) {
    return Optional.ofNullable(BY_NAME.get(nameOrAlias));
  }

  /** A hint for an unknown key: the known keys a typo away, or where to look. */
  static String suggest(String unknown) {
    List<String> close = RiverFsConfig.KEYS.stream().map(ConfigKey::name).filter(k -> distance(k, unknown) <= 2)
        .sorted().toList();
    return close.isEmpty() ? "see `truckeefs --help` or docs/operations.md for the known keys"
        : "did you mean " + String.join(", ", close) + "?";
  }

  /**
   * The one settings parser of the library and the CLI: renames aliases ({@code base_url}, {@code timeout}),
   * rejects unknown keys, checks and normalizes every value against its key's kind, fills in the defaults of
   * {@link RiverFsConfig#KEYS}, expands {@code ~} and makes paths absolute ({@code data_dir} from the working
   * directory, {@code cache_dir} and {@code blob_dir} inside {@code data_dir}). Empty values mean "unset" and are
   * left out.
   *
   * @throws FsException {@link FsError#INVALID} naming the first bad key
   */
  static Map<String, String> settings(Map<String, String> given) throws FsException {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(given).entrySet()) {
      ConfigKey k = BY_NAME.get(e.getKey());
      if (k == null) {
        throw new FsException(FsError.INVALID, "unknown setting '" + e.getKey() + "': " + suggest(e.getKey()));
      }
      String v = k.normalize(e.getValue());
      String before = out.get(k.name());
      if (before != null && !before.equals(v) && !v.isEmpty()) {
        throw new FsException(FsError.INVALID, "settings " + k.name() + " and its alias "
            + String.join("/", k.aliases()) + " disagree: set only one");
      }
      if (!v.isEmpty()) {
        out.put(k.name(), v);
      }
    }
    for (ConfigKey k : RiverFsConfig.KEYS) {
      if (!k.defaultValue().isEmpty()) {
        out.putIfAbsent(k.name(), k.defaultValue());
      }
    }
    Path home = Path.of(System.getProperty("user.home"));
    Path dataDir = expand(out.get("data_dir"), home).toAbsolutePath().normalize();
    out.put("data_dir", dataDir.toString());
    out.put("cache_dir", dataDir.resolve(expand(out.get("cache_dir"), home)).normalize().toString());
    if (out.containsKey("blob_dir")) {
      out.put("blob_dir", dataDir.resolve(expand(out.get("blob_dir"), home)).normalize().toString());
    }
    if (out.containsKey("mount")) {
      out.put("mount", expand(out.get("mount"), home).toAbsolutePath().normalize().toString());
    }
    if (out.containsKey("sql_host") && !out.containsKey("sql_db") && !out.containsKey("metadata_uri")) {
      throw new FsException(FsError.INVALID, "setting sql_db is required when sql_host is set");
    }
    boolean oneHost = !out.containsKey("redis_host")
        && out.getOrDefault("coordinator_uri", "local:").startsWith("local:");
    if (out.get("writeback_cache").equals("true") && !oneHost) {
      // Another host's write would not reach this kernel's cached pages, nor its cached size and times.
      throw new FsException(FsError.INVALID, "setting writeback_cache = true needs one host (the in-JVM"
          + " coordinator): unset redis_host/coordinator_uri or writeback_cache");
    }
    return out;
  }

  private static Path expand(String p, Path home) {
    if (p.equals("~")) {
      return home;
    }
    return p.startsWith("~/") ? home.resolve(p.substring(2)) : Path.of(p);
  }

  /**
   * Derives a configuration from the seed's settings (see {@link RiverFsConfig#KEYS}; parsed by {@link #settings}:
   * unknown keys and bad values are errors). Explicit metadata_uri, blob_uri, coordinator_uri win over derivation.
   * All settings (with defaults filled in) are also handed to the backends as {@link BackendConfig}.
   *
   * <p>A persistent {@code data_dir} never silently gets in-memory metadata: without a metadata setting and without
   * the SQLite provider (module truckeefs-sql) on the classpath this fails naming the module; in-memory metadata is
   * used only when asked for by name ({@code metadata_uri=memory:}).
   */
  static RiverFsConfig toConfig(Map<String, String> settings, Backends backends) throws FsException {
    BackendConfig c = BackendConfig.of(settings(settings));
    Path dataDir = Path.of(c.require("data_dir"));
    RiverFsConfig.Builder b = RiverFsConfig.builder().backends(backends).backendConfig(c).dataDir(dataDir);
    b.cacheDir(Path.of(c.require("cache_dir")));
    b.cacheSize(c.getBytes("cache_size", 0));
    if (c.get("free_space_floor").isPresent()) {
      b.freeSpaceFloor(c.getBytes("free_space_floor", RiverFsConfig.AUTO));
    }
    if (c.get("dirty_limit").isPresent()) {
      b.dirtyLimit(c.getBytes("dirty_limit", RiverFsConfig.AUTO));
    }
    b.dirtyMemory(c.getBytes("dirty_memory", RiverFsConfig.DEFAULT_DIRTY_MEMORY));
    b.cacheTtl(c.getDuration("cache_ttl", RiverFsConfig.DEFAULT_CACHE_TTL));
    if (c.get("metadata_cache_ttl").isPresent()) {
      b.metadataCacheTtl(c.getDuration("metadata_cache_ttl", RiverFsConfig.DEFAULT_METADATA_CACHE_TTL));
    }
    b.cacheMaintenance(c.getBoolean("cache_maintenance", true));
    b.pruneInterval(c.getDuration("sleep", RiverFsConfig.DEFAULT_PRUNE_INTERVAL));
    long chunk = c.getBytes("chunk_size", RiverFsConfig.DEFAULT_CHUNK_SIZE);
    if (chunk > Integer.MAX_VALUE) {
      throw RiverFsConfig.bad("chunk_size", chunk, "must be a power of two between 64 KiB and 64 MiB");
    }
    b.chunkSize((int) chunk);
    b.maxConnections(c.getInt("max_connections", RiverFsConfig.DEFAULT_MAX_CONNECTIONS));
    if (c.get("blob_gc_grace").isPresent()) {
      b.blobGcGrace(c.getDuration("blob_gc_grace", RiverFsConfig.DEFAULT_BLOB_GC_GRACE));
    }
    b.blobGcInterval(c.getDuration("blob_gc_interval", RiverFsConfig.DEFAULT_BLOB_GC_INTERVAL));
    b.uploadRetryDelay(c.getDuration("upload_retry_delay", RiverFsConfig.DEFAULT_UPLOAD_RETRY_DELAY));
    b.filesystemId(c.getString("filesystem_id", RiverFsConfig.DEFAULT_FILESYSTEM_ID));

    Optional<String> explicitMeta = c.get("metadata_uri");
    if (explicitMeta.isPresent()) {
      b.metadataUri(explicitMeta.get());
    } else if (c.get("sql_host").isPresent()) {
      // sql_host may carry its own port (db:3307), which wins over sql_port, as the seed documents.
      String port = c.require("sql_host").contains(":") ? "" : c.get("sql_port").map(p -> ":" + p).orElse("");
      b.metadataUri("mariadb://" + c.require("sql_host") + port + "/" + c.require("sql_db"));
    } else if (backends.hasMetadataStore("sqlite")) {
      b.metadataUri(RiverFsConfig.pathUri("sqlite", dataDir.toAbsolutePath().resolve("metadata.db")));
    } else {
      throw new FsException(FsError.INVALID, "no persistent metadata store on the classpath for data_dir "
          + dataDir + ": add the module org.truckeefs:truckeefs-sql (embedded SQLite, MariaDB), or set"
          + " metadata_uri=memory: for metadata that is lost at exit");
    }

    Optional<String> explicitBlob = c.get("blob_uri");
    if (explicitBlob.isPresent()) {
      b.blobUri(explicitBlob.get());
    } else if (c.get("rootcap").isPresent()) {
      b.blobUri("tahoe:");
    } else {
      Path blobDir = c.get("blob_dir").map(Path::of).orElse(dataDir.resolve("blobs")).toAbsolutePath().normalize();
      b.blobUri(RiverFsConfig.pathUri("local", blobDir));
    }

    Optional<String> explicitCoord = c.get("coordinator_uri");
    if (explicitCoord.isPresent()) {
      b.coordinatorUri(explicitCoord.get());
    } else if (c.get("redis_host").isPresent()) {
      String port = c.require("redis_host").contains(":") ? "" : ":" + c.getString("redis_port", "6379");
      b.coordinatorUri("redis://" + c.require("redis_host") + port + "/" + c.getString("redis_db", "0"));
    } else {
      b.coordinatorUri("local:");
    }
    return b.build();
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1),
            prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
