package org.truckeefs.core;

import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

/**
 * One configuration key of {@link RiverFsConfig#KEYS}: its seed (snake_case) name, accepted aliases, default, kind
 * (which fixes the accepted values and the unit), a one-line description and the section it is documented under.
 * The library, the CLI, {@code --help} and the docs all come from this one table.
 *
 * @param name the key, e.g. {@code cache_size}
 * @param aliases other names accepted for it (the seed's {@code base_url} for {@code tahoe_url})
 * @param defaultValue the default as a user would write it; empty = unset (the description says what that means)
 * @param kind what values are accepted
 * @param description one sentence or two, for {@code --help} and the docs
 * @param section where it is documented
 * @param choices for {@link Kind#CHOICE}, the accepted values (upper case)
 * @param min for {@link Kind#INT}, the smallest value
 * @param max for {@link Kind#INT}, the largest value
 */
public record ConfigKey(String name, List<String> aliases, String defaultValue, Kind kind, String description,
    Section section, List<String> choices, long min, long max) {

  /** What a key holds; fixes parsing, validation and the unit shown. */
  public enum Kind {
    TEXT("TEXT", ""),
    SECRET("SECRET", "never logged or shown"),
    URL("URL", "http:// or https://"),
    URI("URI", "scheme:..."),
    BOOL("BOOL", "true/false, yes/no, on/off, 1/0"),
    INT("N", ""),
    PORT("PORT", "1..65535"),
    DURATION("SECONDS", "seconds, or with a unit: 500ms, 30s, 5m, 2h, 1d"),
    BYTES("BYTES", "bytes, or with a unit: 512k, 64M, 10G (powers of 1024)"),
    CHOICE("NAME", ""),
    PATH("PATH", "~ is the home directory");

    private final String label;
    private final String unit;

    Kind(String label, String unit) {
      this.label = label;
      this.unit = unit;
    }

    /** The placeholder shown after a flag: {@code --cache-ttl=SECONDS}. */
    public String label() {
      return label;
    }

    /** How values are written, for help and docs; empty when obvious. */
    public String unit() {
      return unit;
    }
  }

  /** Documentation sections, in the order {@code --help} and the docs show them. */
  public enum Section {
    STORAGE("Storage and backends"),
    TAHOE("Tahoe-LAFS"),
    CACHE("Local cache"),
    SQL("SQL metadata (MariaDB/MySQL)"),
    REDIS("Redis coordination"),
    BACKGROUND("Background work"),
    MOUNT("Mount (FUSE)"),
    STARTUP("Start-up checks and compatibility");

    private final String title;

    Section(String title) {
      this.title = title;
    }

    public String title() {
      return title;
    }
  }

  public ConfigKey {
    aliases = List.copyOf(aliases);
    choices = List.copyOf(choices);
  }

  /** The command-line flag: {@code --cache-size}. */
  public String flag() {
    return "--" + name.replace('_', '-');
  }

  /** The environment variable that sets it besides the bare key name: {@code TRUCKEEFS_CACHE_SIZE}. */
  public String envName() {
    return "TRUCKEEFS_" + name.toUpperCase(Locale.ROOT);
  }

  public boolean secret() {
    return kind == Kind.SECRET;
  }

  /** The accepted values in words, for help and docs (units, ranges, choices). */
  public String unit() {
    return switch (kind) {
      case CHOICE -> String.join(" or ", choices);
      case INT -> max == Long.MAX_VALUE ? (min == 0 ? "an integer >= 0" : "an integer >= " + min)
          : "an integer " + min + ".." + max;
      default -> kind.unit();
    };
  }

  /**
   * Checks one raw value and returns it in canonical form (booleans as true/false, choices upper case, text
   * trimmed); an empty value stays empty (= unset). A bad value is {@link FsError#INVALID} naming the key.
   */
  public String normalize(String raw) throws FsException {
    String v = raw == null ? "" : raw.trim();
    if (v.isEmpty()) {
      return v;
    }
    switch (kind) {
      case BOOL -> {
        return Boolean.toString(BackendConfig.of(Map.of(name, v)).getBoolean(name, false));
      }
      case DURATION -> BackendConfig.parseDuration(name, v);
      case BYTES -> BackendConfig.parseBytes(name, v);
      case INT, PORT -> {
        long n;
        try {
          n = Long.parseLong(v);
        } catch (NumberFormatException e) {
          throw bad(v, "an integer");
        }
        long lo = kind == Kind.PORT ? 1 : min;
        long hi = kind == Kind.PORT ? 65535 : max;
        if (n < lo || n > hi) {
          throw bad(v, kind == Kind.PORT ? "a port (1..65535)" : unit());
        }
        return Long.toString(n);
      }
      case CHOICE -> {
        String s = v.toUpperCase(Locale.ROOT);
        if (!choices.contains(s)) {
          throw bad(v, unit());
        }
        return s;
      }
      case URL -> {
        try {
          java.net.URI u = new java.net.URI(v);
          if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
            throw bad(v, "an http:// or https:// URL");
          }
        } catch (URISyntaxException e) {
          throw bad(v, "an http:// or https:// URL");
        }
      }
      case SECRET -> {
        // A malformed rootcap is bad input, caught before anything is created (not a Tahoe error at open).
        if (name.equals("rootcap") && !v.matches("URI:DIR2(-MDMF)?:\\S+")) {
          throw bad(v, "a writable Tahoe directory cap (URI:DIR2:... or URI:DIR2-MDMF:..., from `tahoe mkdir`)");
        }
      }
      case URI -> {
        if (!v.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) {
          throw bad(v, "a URI with a scheme, such as memory: or sqlite:/path/metadata.db");
        }
      }
      default -> { }
    }
    return v;
  }

  private FsException bad(String value, String expected) {
    String shown = secret() ? "(hidden)" : "'" + value + "'";
    return new FsException(FsError.INVALID, "setting " + name + " = " + shown + " is not " + expected);
  }

  // --- the table -------------------------------------------------------------------------------------------------

  static List<ConfigKey> table() {
    List<ConfigKey> t = new ArrayList<>();
    Section s = Section.STORAGE;
    t.add(k("data_dir", "~/.truckeefs", Kind.PATH, s,
        "Where local state lives: the embedded SQLite file, local blobs, the cache, run files. Relative: from the"
            + " working directory."));
    t.add(k("blob_dir", "", Kind.PATH, s,
        "Directory of the local blob store (used when rootcap is empty). Empty: <data_dir>/blobs; relative:"
            + " inside data_dir."));
    t.add(k("chunk_size", "4M", Kind.BYTES, s,
        "Size of the chunks files are stored in (one blob each); a power of two from 64k to 64M."));
    t.add(k("metadata_uri", "", Kind.URI, s,
        "Metadata store, explicitly (wins over sql_host): mariadb://host:port/db, sqlite:/path/metadata.db, or"
            + " memory: (lost at exit). Empty: derived from sql_host, else SQLite in data_dir."));
    t.add(k("blob_uri", "", Kind.URI, s,
        "Blob store, explicitly (wins over rootcap): tahoe:, local:/dir. Empty: Tahoe when rootcap is set, else"
            + " blob_dir."));
    t.add(k("coordinator_uri", "", Kind.URI, s,
        "Coordinator, explicitly (wins over redis_host): redis://host:port/db or local: (one host only). Empty:"
            + " Redis when redis_host is set, else local:."));
    t.add(k("filesystem_id", "", Kind.TEXT, s,
        "Namespace of this filesystem's shared state in Redis (1-64 letters, digits, '_', '.', '-'). Empty: the"
            + " id the metadata store made up at its first start, so filesystems sharing one Redis never meet."));

    s = Section.TAHOE;
    t.add(k("rootcap", "", Kind.SECRET, s,
        "Tahoe-LAFS root capability (URI:DIR2:...). Set: blobs are stored in Tahoe; empty: the local blob store."));
    t.add(new ConfigKey("tahoe_url", List.of("base_url"), "http://127.0.0.1:3456", Kind.URL,
        "Tahoe-LAFS web gateway. Alias: base_url.", s, List.of(), 0, 0));
    t.add(k("auth_token", "", Kind.SECRET, s, "Bearer token for the Tahoe gateway, if it requires one."));
    t.add(new ConfigKey("backend_storage_strategy", List.of(), "FLAT", Kind.CHOICE,
        "FLAT: blobs are unlinked immutable uploads, the namespace lives in SQL only. MIRROR: also keep a Tahoe"
            + " directory tree under rootcap that mirrors the namespace.", s, List.of("FLAT", "MIRROR"), 0, 0));
    t.add(n("max_connections", "10", s, 1, 1024, "Parallel requests to the blob store (uploads, downloads)."));
    t.add(new ConfigKey("net_timeout", List.of("timeout"), "30", Kind.DURATION,
        "Timeout of one network call to Tahoe (also the SQL connect timeout). Alias: timeout.", s, List.of(), 0, 0));
    t.add(n("net_retries", "3", s, 0, 100, "Retries of a failed idempotent Tahoe request."));
    t.add(k("net_retry_delay", "0.2", Kind.DURATION, s, "First delay between Tahoe retries (doubles each time)."));
    t.add(k("mirror_close_timeout", "30", Kind.DURATION, s,
        "MIRROR: how long close waits for the mirror to catch up; the rest is journaled and done later."));
    t.add(k("lease_renewal_interval", "1d", Kind.DURATION, s,
        "How often the leases of live blobs are renewed (Tahoe's leases last 31 days)."));
    t.add(k("backup_interval", "1d", Kind.DURATION, s,
        "How often the metadata is backed up under rootcap/.truckeefs/backups; 0 = no scheduled backups."));
    t.add(n("backup_keep", "7", s, 1, 10_000, "How many metadata backups are kept (oldest deleted first)."));

    s = Section.CACHE;
    t.add(k("cache_dir", ".tahoe-cache", Kind.PATH, s,
        "Local cache of file contents (plaintext, created 0700). Relative: inside data_dir."));
    t.add(k("cache_size", "0", Kind.BYTES, s,
        "Cache limit; 0 = unlimited. Dirty data and data waiting for upload is never evicted."));
    t.add(k("cache_ttl", "14400", Kind.DURATION, s, "Unused cache entries older than this are pruned."));
    t.add(k("cache_maintenance", "true", Kind.BOOL, s, "Whether the cache pruning daemon runs."));
    t.add(k("free_space_floor", "", Kind.BYTES, s,
        "Free space kept on the cache's filesystem by evicting clean chunks on demand (even with cache_size=0)."
            + " Empty: 5% of that filesystem, at most 1G."));
    t.add(k("dirty_limit", "", Kind.BYTES, s,
        "Written but not yet uploaded data above which writers wait for uploads instead of failing. Empty: chosen"
            + " at start from the free space of the cache's filesystem (and cache_size)."));
    t.add(k("dirty_memory", "64M", Kind.BYTES, s,
        "Memory for small files' written, not yet uploaded bytes (chunks up to 64 KiB): kept there and in the"
            + " write-back journal instead of a cache file each; at most an eighth of the JVM's heap; 0 = none."));
    t.add(k("metadata_cache_ttl", "", Kind.DURATION, s,
        "How long a host trusts metadata it cached (attributes, directory entries) before reading the store"
            + " again: the staleness window between hosts. Empty: 1 s with Redis (several hosts); 1 h with the"
            + " in-JVM coordinator, where this host makes every change and the cache is exact."));

    s = Section.SQL;
    t.add(k("sql_host", "", Kind.TEXT, s,
        "MariaDB/MySQL host, or host:port (that port wins over sql_port). Empty: embedded SQLite in data_dir."));
    t.add(new ConfigKey("sql_port", List.of(), "3306", Kind.PORT, "Port, when sql_host has none.", s, List.of(), 1,
        65535));
    t.add(k("sql_db", "", Kind.TEXT, s, "Database name; required with sql_host."));
    t.add(k("sql_user", "", Kind.TEXT, s, "Database user: needs SELECT, INSERT, UPDATE, DELETE and EXECUTE on "
        + "sql_db, and CREATE, ALTER, INDEX, CREATE ROUTINE and ALTER ROUTINE for migrations (GRANT ALL ON "
        + "sql_db.* gives them all)."));
    t.add(k("sql_pass", "", Kind.SECRET, s, "Database password. Prefer the environment or a 0600 file to a flag."));
    t.add(k("sql_engine", "mysql", Kind.TEXT, s,
        "mysql or mariadb; the seed's SQLAlchemy form mysql+driver is accepted and means mysql."));
    t.add(k("sql_ssl", "false", Kind.BOOL, s, "Use TLS to the database."));
    t.add(n("sql_pool_size", "", s, 2, 1024,
        "Database connections per pool. Empty: 8 for MariaDB/MySQL, 4 readers for SQLite."));

    s = Section.REDIS;
    t.add(k("redis_host", "", Kind.TEXT, s,
        "Redis host, or host:port (that port wins over redis_port). Empty: in-JVM coordination (one host only)."));
    t.add(new ConfigKey("redis_port", List.of(), "6379", Kind.PORT, "Port, when redis_host has none.", s, List.of(),
        1, 65535));
    t.add(n("redis_db", "0", s, 0, 1_000_000, "Redis database index."));
    t.add(k("redis_pass", "", Kind.SECRET, s, "Redis password (AUTH), if the server requires one."));
    t.add(k("redis_timeout", "5", Kind.DURATION, s,
        "Timeout of one Redis command; operations fail with EIO after it while Redis is down."));
    t.add(k("redis_session_ttl", "30", Kind.DURATION, s,
        "Crash expiry: a host's locks and open marks expire this long after its last heartbeat (one every third"
            + " of it)."));
    t.add(k("redis_semaphore_timeout", "1800", Kind.DURATION, s,
        "The seed's stale-lock expiry: how long a semaphore permit or process lock may be held before it is"
            + " considered stale."));
    t.add(k("redis_grace_period", "", Kind.DURATION, s,
        "After Redis lost its state (a restart), how long live hosts may re-assert their locks before"
            + " new locks are granted; at least redis_session_ttl / 3. Empty: 2/3 of redis_session_ttl."));
    t.add(k("reset_redis", "true", Kind.BOOL, s,
        "Clear this filesystem's Redis namespace at start (never other filesystems' keys)."));

    s = Section.BACKGROUND;
    t.add(k("sleep", "", Kind.DURATION, s,
        "Interval between daemon runs. Empty: each daemon's own (cache pruning 3600 s)."));
    t.add(n("nice", "19", s, -20, 19,
        "Scheduling priority of background daemons (pruning, garbage collection, backups, lease renewal) on Linux;"
            + " 19 = lowest. Uploads keep the normal priority: fsync waits on them. Raising priority (below 0)"
            + " needs root."));
    t.add(k("blob_gc_grace", "", Kind.DURATION, s,
        "Blobs no file references are released only after this long (protects other hosts' uploads in flight)."
            + " Empty: 1 h, and with the in-JVM coordinator and local blobs, where this host makes every upload,"
            + " a deleted or overwritten file's blobs go within a second of the change becoming durable."));
    t.add(k("blob_gc_interval", "10m", Kind.DURATION, s, "How often unreferenced blobs are released."));
    t.add(k("upload_retry_delay", "2", Kind.DURATION, s,
        "First delay before a failed upload is retried; doubles per failure up to 5 minutes."));

    s = Section.MOUNT;
    t.add(k("mount", "", Kind.PATH, s, "Mount point of `truckeefs mount` (and of `truckeefs -c FILE`) when none is"
        + " given."));
    t.add(k("attr_timeout", "", Kind.DURATION, s,
        "How long the kernel caches attributes. Empty: 1 s with the jnr adapter (the staleness window between"
            + " hosts); 30 s with the lowlevel adapter, whose caches other hosts' changes invalidate."));
    t.add(k("entry_timeout", "", Kind.DURATION, s,
        "How long the kernel caches name lookups. Empty: as attr_timeout."));
    t.add(k("writeback_cache", "false", Kind.BOOL, s,
        "Let the kernel cache writes (lowlevel adapter; one host only, so refused with redis_host): 4 KiB writes"
            + " reach TruckeeFS merged (twice as fast), but every close and unlink then waits for the kernel to"
            + " send its times, and every stat after a close asks for the block count (unlinks 40% slower, a stat"
            + " after writing 10 times). Off by default, as in rclone and sshfs."));
    t.add(k("allow_other", "false", Kind.BOOL, s,
        "Let users other than the one who mounted enter the mount (non-root needs user_allow_other in"
            + " /etc/fuse.conf)."));

    s = Section.STARTUP;
    t.add(k("test_compatibility", "true", Kind.BOOL, s, "Check the JVM, /dev/fuse and libfuse at start."));
    t.add(k("test_integration", "true", Kind.BOOL, s, "Check that every backend is reachable at start."));
    t.add(k("test_functionality", "false", Kind.BOOL, s,
        "Create, write, read, rename and delete in a scratch directory at start, then remove it."));
    t.add(k("register_classes", "true", Kind.BOOL, s, "Accepted for compatibility with the seed; has no effect."));
    t.add(k("is_daemon", "false", Kind.BOOL, s, "Running as a service: no progress bars or other interactive"
        + " output."));
    return List.copyOf(t);
  }

  private static ConfigKey k(String name, String dflt, Kind kind, Section section, String description) {
    return new ConfigKey(name, List.of(), dflt, kind, description, section, List.of(), 0, Long.MAX_VALUE);
  }

  private static ConfigKey n(String name, String dflt, Section section, long min, long max, String description) {
    return new ConfigKey(name, List.of(), dflt, Kind.INT, description, section, List.of(), min, max);
  }
}
