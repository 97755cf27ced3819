package org.truckeefs.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * A read-only view of the configuration keys (the seed's snake_case names: {@code sql_host}, {@code rootcap},
 * ...) with typed getters, so providers never see the CLI's configuration library. A bad value fails with a
 * one-line {@link FsError#INVALID} message naming the key. {@link #toString()} hides secrets.
 */
public final class BackendConfig {
  /** Keys whose values are never printed. */
  public static final Set<String> SECRET_KEYS = Set.of("sql_pass", "rootcap", "auth_token", "redis_pass");

  private final Map<String, String> values;

  private BackendConfig(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  public static BackendConfig of(Map<String, String> values) {
    return new BackendConfig(values);
  }

  public static BackendConfig empty() {
    return new BackendConfig(Map.of());
  }

  public Map<String, String> asMap() {
    return values;
  }

  public Optional<String> get(String key) {
    String v = values.get(key);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  public String getString(String key, String defaultValue) {
    return get(key).orElse(defaultValue);
  }

  public String require(String key) throws FsException {
    return get(key).orElseThrow(() -> new FsException(FsError.INVALID, "missing setting " + key));
  }

  public int getInt(String key, int defaultValue) throws FsException {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(v.get());
    } catch (NumberFormatException e) {
      throw bad(key, v.get(), "an integer");
    }
  }

  public long getLong(String key, long defaultValue) throws FsException {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    try {
      return Long.parseLong(v.get());
    } catch (NumberFormatException e) {
      throw bad(key, v.get(), "an integer");
    }
  }

  public boolean getBoolean(String key, boolean defaultValue) throws FsException {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    return switch (v.get().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw bad(key, v.get(), "true or false");
    };
  }

  /** Seconds (the seed's unit, fractions allowed), or a suffixed value: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}. */
  public Duration getDuration(String key, Duration defaultValue) throws FsException {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    return parseDuration(key, v.get());
  }

  /** Bytes, or with a suffix: {@code 512k}, {@code 64M}, {@code 10G}, {@code 1T} (powers of 1024; {@code KiB}, {@code MB} also accepted). */
  public long getBytes(String key, long defaultValue) throws FsException {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    return parseBytes(key, v.get());
  }

  public static Duration parseDuration(String key, String raw) throws FsException {
    String s = raw.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
      }
      long unit = 1000;
      char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
      switch (last) {
        case 's' -> unit = 1000;
        case 'm' -> unit = 60_000;
        case 'h' -> unit = 3_600_000;
        case 'd' -> unit = 86_400_000;
        default -> last = 0;
      }
      String num = last == 0 ? s : s.substring(0, s.length() - 1).trim();
      double d = Double.parseDouble(num);
      if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
        throw bad(key, raw, "a non-negative duration");
      }
      return Duration.ofMillis(Math.round(d * unit));
    } catch (NumberFormatException e) {
      throw bad(key, raw, "a duration in seconds (or with ms/s/m/h/d)");
    }
  }

  public static long parseBytes(String key, String raw) throws FsException {
    String s = raw.trim().toLowerCase(java.util.Locale.ROOT).replace("ib", "").replace("b", "");
    long mult = 1;
    if (!s.isEmpty()) {
      switch (s.charAt(s.length() - 1)) {
        case 'k' -> mult = 1L << 10;
        case 'm' -> mult = 1L << 20;
        case 'g' -> mult = 1L << 30;
        case 't' -> mult = 1L << 40;
        default -> mult = 1;
      }
    }
    String num = mult == 1 ? s : s.substring(0, s.length() - 1).trim();
    try {
      double d = Double.parseDouble(num);
      if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
        throw bad(key, raw, "a non-negative size");
      }
      return (long) (d * mult);
    } catch (NumberFormatException e) {
      throw bad(key, raw, "a size in bytes (or with k/M/G/T)");
    }
  }

  private static FsException bad(String key, String value, String expected) {
    String shown = SECRET_KEYS.contains(key) ? "(hidden)" : "'" + value + "'";
    return new FsException(FsError.INVALID, "setting " + key + " = " + shown + " is not " + expected);
  }

  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    values.forEach((k, v) -> shown.put(k, SECRET_KEYS.contains(k) ? "***" : v));
    return "BackendConfig" + shown;
  }
}
