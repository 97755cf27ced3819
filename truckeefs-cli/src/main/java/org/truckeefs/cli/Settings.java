package org.truckeefs.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.truckeefs.api.FsException;
import org.truckeefs.fuse.FuseOptions;
import org.truckeefs.spi.BackendConfig;

/**
 * The validated configuration of one run: the seed's snake_case keys as strings, exactly the map core's
 * {@code RiverFsConfig.fromSettings} takes (unset keys are absent), plus typed views the CLI itself needs.
 * Immutable; {@link #toString()} hides secrets.
 */
final class Settings {
  private final Map<String, String> values;
  private final BackendConfig typed;

  Settings(Map<String, String> values) {
    this.values = Map.copyOf(values);
    this.typed = BackendConfig.of(values);
  }

  /** The settings for core, unset keys left out. */
  Map<String, String> asMap() {
    return values;
  }

  Optional<String> get(String key) {
    return typed.get(key);
  }

  boolean flag(String key) {
    try {
      return typed.getBoolean(key, false);
    } catch (FsException e) {
      throw new IllegalStateException("validated already", e);
    }
  }

  Duration duration(String key, Duration dflt) {
    try {
      return typed.getDuration(key, dflt);
    } catch (FsException e) {
      throw new IllegalStateException("validated already", e);
    }
  }

  Path dataDir() {
    return Path.of(values.get("data_dir"));
  }

  FuseOptions fuseOptions() {
    return FuseOptions.defaults()
        .withTimeouts(duration("attr_timeout", FuseOptions.DEFAULT_TIMEOUT), duration("entry_timeout", FuseOptions.DEFAULT_TIMEOUT))
        .withAllowOther(flag("allow_other"));
  }

  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    values.forEach((k, v) -> shown.put(k, BackendConfig.SECRET_KEYS.contains(k) ? "***" : v));
    return shown.toString();
  }
}
