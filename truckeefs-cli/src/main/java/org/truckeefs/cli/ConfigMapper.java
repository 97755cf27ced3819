package org.truckeefs.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

/**
 * The one place where configuration sources become {@link Settings}: defaults from {@code reference.conf} (root
 * {@code truckeefs}), a YAML file, environment variables and command-line flags are layered with Typesafe
 * Config (strongest first: flags, environment, file, defaults), every value is checked against its key's kind,
 * and paths are made absolute. A problem is one line naming the key and where the value came from.
 */
final class ConfigMapper {
  static final String ROOT = "truckeefs";
  static final String ENV_PREFIX = "TRUCKEEFS_";

  /** What a key holds, for validation. */
  enum Kind { STRING, SECRET, URL, BOOL, PORT, COUNT, NICE, DURATION, BYTES, STRATEGY, PATH }

  static final Map<String, Kind> KINDS = kinds();

  private static Map<String, Kind> kinds() {
    Map<String, Kind> k = new LinkedHashMap<>();
    k.put("rootcap", Kind.SECRET);
    k.put("tahoe_url", Kind.URL);
    k.put("cache_dir", Kind.PATH);
    k.put("cache_maintenance", Kind.BOOL);
    k.put("cache_size", Kind.BYTES);
    k.put("cache_ttl", Kind.DURATION);
    k.put("net_timeout", Kind.DURATION);
    k.put("test_compatibility", Kind.BOOL);
    k.put("test_integration", Kind.BOOL);
    k.put("test_functionality", Kind.BOOL);
    k.put("register_classes", Kind.BOOL);
    k.put("reset_redis", Kind.BOOL);
    k.put("backend_storage_strategy", Kind.STRATEGY);
    k.put("is_daemon", Kind.BOOL);
    k.put("sql_host", Kind.STRING);
    k.put("sql_db", Kind.STRING);
    k.put("sql_user", Kind.STRING);
    k.put("sql_pass", Kind.SECRET);
    k.put("sql_engine", Kind.STRING);
    k.put("sql_port", Kind.PORT);
    k.put("sql_ssl", Kind.BOOL);
    k.put("redis_host", Kind.STRING);
    k.put("redis_port", Kind.PORT);
    k.put("redis_db", Kind.COUNT);
    k.put("redis_semaphore_timeout", Kind.DURATION);
    k.put("max_connections", Kind.COUNT);
    k.put("auth_token", Kind.SECRET);
    k.put("nice", Kind.NICE);
    k.put("sleep", Kind.DURATION);
    k.put("mount", Kind.PATH);
    k.put("data_dir", Kind.PATH);
    k.put("blob_dir", Kind.PATH);
    k.put("chunk_size", Kind.BYTES);
    k.put("attr_timeout", Kind.DURATION);
    k.put("entry_timeout", Kind.DURATION);
    k.put("allow_other", Kind.BOOL);
    return Map.copyOf(k);
  }

  private ConfigMapper() {}

  /** The keys in documentation order (reference.conf order is not kept by Typesafe Config, so sorted). */
  static List<String> keys() {
    return KINDS.keySet().stream().sorted().toList();
  }

  static String flagName(String key) {
    return "--" + key.replace('_', '-');
  }

  /**
   * Layers the sources and validates.
   *
   * @param file the YAML file of {@code -c}, or null
   * @param env the process environment
   * @param flags values given on the command line, by key
   * @param home the user's home, for {@code ~} in paths
   */
  static Settings load(Path file, Map<String, String> env, Map<String, String> flags, Path home) {
    Config reference = ConfigFactory.parseResources(ConfigMapper.class.getClassLoader(), "reference.conf");
    checkReference(reference);
    Config fileLayer = file == null ? ConfigFactory.empty() : layer(readYaml(file), "file " + file);
    Config envLayer = layer(fromEnv(env), "environment");
    Config flagLayer = layer(flags, "command line");
    Config merged = flagLayer.withFallback(envLayer).withFallback(fileLayer).withFallback(reference).resolve();
    return toSettings(merged.getConfig(ROOT), home);
  }

  private static void checkReference(Config reference) {
    Set<String> declared = reference.getConfig(ROOT).root().keySet();
    if (!declared.equals(KINDS.keySet())) {
      throw new IllegalStateException("reference.conf and ConfigMapper.KINDS disagree: " + declared);
    }
  }

  private static Config layer(Map<String, String> values, String origin) {
    Map<String, String> prefixed = new TreeMap<>();
    values.forEach((k, v) -> prefixed.put(ROOT + "." + k, v));
    return ConfigFactory.parseMap(prefixed, origin);
  }

  /** {@code sql_host} and {@code TRUCKEEFS_SQL_HOST}; the prefixed name wins. Unknown TRUCKEEFS_ names are an error. */
  static Map<String, String> fromEnv(Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    for (String key : KINDS.keySet()) {
      if (env.containsKey(key)) {
        out.put(key, env.get(key));
      }
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().startsWith(ENV_PREFIX)) {
        String key = e.getKey().substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
        if (!KINDS.containsKey(key)) {
          throw UserError.badInput("unknown environment variable " + e.getKey() + ": " + hint(key));
        }
        out.put(key, e.getValue());
      }
    }
    return out;
  }

  static Map<String, String> readYaml(Path file) {
    if (!Files.isRegularFile(file)) {
      throw UserError.badInput("configuration file " + file + " does not exist");
    }
    Map<?, ?> raw;
    try {
      raw = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Map.class);
    } catch (JacksonException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      throw UserError.badInput("configuration file " + file + " is not valid YAML" + where + ": "
          + e.getOriginalMessage().lines().findFirst().orElse("").trim());
    } catch (IOException e) {
      throw UserError.badInput("cannot read configuration file " + file + ": " + e.getMessage());
    }
    Map<String, String> out = new TreeMap<>();
    if (raw == null) {
      return out;
    }
    for (Map.Entry<?, ?> e : raw.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (!KINDS.containsKey(key)) {
        throw UserError.badInput("unknown setting '" + key + "' in " + file + ": " + hint(key));
      }
      Object v = e.getValue();
      if (v instanceof Map || v instanceof List) {
        throw UserError.badInput("setting " + key + " in " + file + " must be a single value, not a list or map");
      }
      out.put(key, v == null ? "" : v.toString());
    }
    return out;
  }

  static String hint(String key) {
    String close = KINDS.keySet().stream()
        .filter(k -> distance(k, key) <= 2)
        .sorted()
        .collect(Collectors.joining(", "));
    return close.isEmpty() ? "see `truckeefs --help` for the known keys" : "did you mean " + close + "?";
  }

  private static Settings toSettings(Config c, Path home) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
      String key = e.getKey();
      String raw = e.getValue().unwrapped() == null ? "" : String.valueOf(e.getValue().unwrapped()).trim();
      String origin = e.getValue().origin().description();
      String value = check(key, KINDS.get(key), raw, origin);
      if (!value.isEmpty()) {
        out.put(key, value);
      }
    }
    // Relative data_dir: from the working directory; relative cache_dir and blob_dir: inside data_dir.
    Path dataDir = expand(out.get("data_dir"), home).toAbsolutePath().normalize();
    out.put("data_dir", dataDir.toString());
    out.put("blob_dir", dataDir.resolve(expand(out.getOrDefault("blob_dir", "blobs"), home)).normalize().toString());
    out.put("cache_dir", dataDir.resolve(expand(out.getOrDefault("cache_dir", ".tahoe-cache"), home)).normalize().toString());
    if (out.containsKey("mount")) {
      out.put("mount", expand(out.get("mount"), home).toString());
    }
    splitHostPort(out, "sql_host", "sql_port");
    splitHostPort(out, "redis_host", "redis_port");
    if (out.containsKey("sql_host") && !out.containsKey("sql_db")) {
      throw UserError.badInput("setting sql_db is required when sql_host is set (--sql-db NAME)");
    }
    return new Settings(out);
  }

  /** The seed allows {@code host:port} in sql_host/redis_host; a port there wins over sql_port/redis_port. */
  private static void splitHostPort(Map<String, String> out, String hostKey, String portKey) {
    String host = out.get(hostKey);
    if (host == null || host.startsWith("[") || host.indexOf(':') != host.lastIndexOf(':')) {
      return;
    }
    int colon = host.indexOf(':');
    if (colon > 0) {
      String port = host.substring(colon + 1);
      range(hostKey, port, 1, 65535, "port in " + hostKey);
      out.put(hostKey, host.substring(0, colon));
      out.put(portKey, port);
    }
  }

  private static String check(String key, Kind kind, String v, String origin) {
    if (kind == null) {
      throw UserError.badInput("unknown setting '" + key + "' (" + origin + "): " + hint(key));
    }
    if (v.isEmpty()) {
      return v;
    }
    try {
      switch (kind) {
        case BOOL -> {
          return Boolean.toString(BackendConfig.of(Map.of(key, v)).getBoolean(key, false));
        }
        case DURATION -> BackendConfig.parseDuration(key, v);
        case BYTES -> BackendConfig.parseBytes(key, v);
        case PORT -> range(key, v, 1, 65535, origin);
        case COUNT -> range(key, v, 0, Integer.MAX_VALUE, origin);
        case NICE -> range(key, v, -20, 19, origin);
        case STRATEGY -> {
          String s = v.toUpperCase(Locale.ROOT);
          if (!s.equals("FLAT") && !s.equals("MIRROR")) {
            throw UserError.badInput("setting " + key + " = '" + v + "' (" + origin + ") is not FLAT or MIRROR");
          }
          return s;
        }
        case URL -> url(key, v, origin);
        default -> { }
      }
    } catch (FsException e) {
      throw UserError.badInput(e.getMessage().replaceFirst("^EINVAL: ", "") + " (" + origin + ")");
    }
    return v;
  }

  private static void range(String key, String v, long min, long max, String origin) {
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw UserError.badInput("setting " + key + " = '" + v + "' (" + origin + ") is not an integer");
    }
    if (n < min || n > max) {
      throw UserError.badInput("setting " + key + " = " + v + " (" + origin + ") is outside " + min + ".." + max);
    }
  }

  private static void url(String key, String v, String origin) {
    try {
      URI u = new URI(v);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw new URISyntaxException(v, "not http(s)");
      }
    } catch (URISyntaxException e) {
      throw UserError.badInput("setting " + key + " = '" + v + "' (" + origin + ") is not an http:// or https:// URL");
    }
  }

  static Path expand(String p, Path home) {
    if (p.equals("~")) {
      return home;
    }
    if (p.startsWith("~/")) {
      return home.resolve(p.substring(2));
    }
    return Path.of(p);
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
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
