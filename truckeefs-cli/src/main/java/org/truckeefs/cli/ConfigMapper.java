package org.truckeefs.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.truckeefs.api.FsException;
import org.truckeefs.core.ConfigKey;
import org.truckeefs.core.RiverFsConfig;

/**
 * Where configuration sources become {@link Settings}: a YAML file, environment variables and command-line flags
 * (strongest first: flags, environment, file) are checked key by key against core's table
 * ({@link RiverFsConfig#KEYS}) so that a problem names where the value came from, then merged and handed to core's
 * one parser ({@link RiverFsConfig#settings}) for defaults and paths: the library and the CLI accept exactly the
 * same keys and values.
 */
final class ConfigMapper {
  static final String ENV_PREFIX = "TRUCKEEFS_";
  /** Read by the launcher script, not a setting. */
  static final String JAVA_OPTS_ENV = "TRUCKEEFS_JAVA_OPTS";
  /** Set by {@code mount --background} for its child, which must not warn about the config file again. */
  static final String CHILD_ENV = "TRUCKEEFS_BACKGROUND_CHILD";

  private ConfigMapper() {}

  /**
   * Layers the sources and validates.
   *
   * @param file the YAML file of {@code -c}, or null
   * @param env the process environment
   * @param flags values given on the command line, by key
   * @param warn where a warning (a secret in a file others can read) goes, once
   */
  static Settings load(Path file, Map<String, String> env, Map<String, String> flags, Consumer<String> warn) {
    Map<String, String> merged = new HashMap<>();
    if (file != null) {
      Map<String, String> fromFile = readYaml(file);
      if (!env.containsKey(CHILD_ENV)) {
        warnIfSecretsExposed(file, fromFile, warn);
      }
      merged.putAll(fromFile);
    }
    merged.putAll(fromEnv(env));
    merged.putAll(checked(flags, "command line"));
    merged.values().removeIf(String::isEmpty); // an empty value in a stronger source unsets the key
    try {
      return new Settings(RiverFsConfig.settings(merged));
    } catch (FsException e) {
      throw UserError.badInput(message(e));
    }
  }

  static String message(FsException e) {
    return e.getMessage().replaceFirst("^E[A-Z]+: ", "");
  }

  /**
   * {@code sql_host} and {@code TRUCKEEFS_SQL_HOST}; the prefixed name wins. An unknown TRUCKEEFS_ name is an error
   * (a typo would otherwise be ignored), except the launcher's own {@code TRUCKEEFS_JAVA_OPTS}.
   */
  static Map<String, String> fromEnv(Map<String, String> env) {
    Map<String, String> plain = new TreeMap<>();
    Map<String, String> prefixed = new TreeMap<>();
    for (ConfigKey k : RiverFsConfig.KEYS) {
      if (env.containsKey(k.name())) {
        plain.put(k.name(), env.get(k.name()));
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(ENV_PREFIX) || name.equals(JAVA_OPTS_ENV) || name.equals(CHILD_ENV)) {
        continue;
      }
      String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
      if (RiverFsConfig.key(key).isEmpty()) {
        throw UserError.badInput("unknown environment variable " + name + ": " + RiverFsConfig.suggest(key));
      }
      prefixed.put(key, e.getValue());
    }
    Map<String, String> out = new TreeMap<>(checked(plain, "environment"));
    out.putAll(checked(prefixed, "environment, TRUCKEEFS_*"));
    return out;
  }

  /** Checks each value against its key, renaming aliases; a problem names {@code origin}. */
  static Map<String, String> checked(Map<String, String> values, String origin) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
      ConfigKey k = RiverFsConfig.key(e.getKey()).orElseThrow(() -> UserError.badInput(
          "unknown setting '" + e.getKey() + "' (" + origin + "): " + RiverFsConfig.suggest(e.getKey())));
      try {
        String v = k.normalize(e.getValue());
        String before = out.put(k.name(), v);
        if (before != null && !before.equals(v)) {
          throw UserError.badInput("settings " + k.name() + " and its alias " + String.join("/", k.aliases())
              + " disagree (" + origin + "): set only one");
        }
      } catch (FsException ex) {
        throw UserError.badInput(message(ex) + " (" + origin + ")");
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
      Object v = e.getValue();
      if (v instanceof Map || v instanceof List) {
        throw UserError.badInput("setting " + key + " in " + file + " must be a single value, not a list or map");
      }
      out.put(key, v == null ? "" : v.toString());
    }
    return checked(out, "file " + file);
  }

  /** Issue 12: a file holding a password that others can read is worth one line on stderr, not a refusal. */
  private static void warnIfSecretsExposed(Path file, Map<String, String> values, Consumer<String> warn) {
    List<String> secrets = values.entrySet().stream()
        .filter(e -> !e.getValue().isEmpty() && RiverFsConfig.key(e.getKey()).map(ConfigKey::secret).orElse(false))
        .map(Map.Entry::getKey).sorted().toList();
    if (secrets.isEmpty()) {
      return;
    }
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
        warn.accept("warning: " + file + " holds " + String.join(", ", secrets) + " but is readable by "
            + (p.contains(PosixFilePermission.OTHERS_READ) ? "other users" : "its group") + "; run chmod 600 " + file);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // permissions unknown (not a POSIX filesystem): nothing to warn about reliably
    }
  }
}
