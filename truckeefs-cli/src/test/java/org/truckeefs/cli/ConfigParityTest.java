package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.core.ConfigKey;
import org.truckeefs.core.RiverFsConfig;

/**
 * The library and the CLI accept the same keys (core's table), the docs list exactly that table, and every setting
 * the docs or module READMEs mention exists.
 */
class ConfigParityTest {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path OPERATIONS = REPO.resolve("docs/operations.md");
  static final String BEGIN = "<!-- settings table: generated from RiverFsConfig.KEYS by ConfigParityTest -->";
  static final String END = "<!-- end of settings table -->";
  /** Backticked snake_case words in the docs that are not settings (libfuse options, tables, fields). */
  static final Set<String> NOT_SETTINGS = Set.of("big_writes", "default_permissions", "flag_nullpath_ok",
      "flag_utime_omit_ok", "fuse_operations", "hard_remove", "keep_cache", "next_cookie", "no_remote_lock",
      "truckeefs_schema_history", "tx_marker", "upload_journal", "use_ino", "user_allow_other", "auto_unmount",
      "max_read", "fsname", "kernel_cache", "auto_cache", "direct_io", "max_write", "end_fsync", "commit_mark",
      "sync_mark", "cache_readdir", "inode_by_nlink", "blob_by_unreferenced");

  @TempDir Path dir;

  /** A value every key accepts: its default, or a sample of its kind. */
  private static String sample(ConfigKey k) {
    if (!k.defaultValue().isEmpty()) {
      return k.defaultValue();
    }
    return switch (k.kind()) {
      case TEXT -> k.name().equals("sql_host") ? "db.example" : "x";
      case SECRET -> k.name().equals("rootcap") ? "URI:DIR2:aaaa:bbbb" : "s3cret";
      case URL -> "http://gw.example:3456";
      case URI -> "memory:";
      case BOOL -> "true";
      case INT -> Long.toString(Math.max(k.min(), 2));
      case PORT -> "1234";
      case DURATION -> "5s";
      case BYTES -> "64M";
      case CHOICE -> k.choices().get(0);
      case PATH -> "/tmp/x";
    };
  }

  @Test
  void everyKey_isAcceptedByTheLibraryAndTheCli_withTheSameResult() {
    Cli help = Cli.run("--help");
    for (ConfigKey k : RiverFsConfig.KEYS) {
      Map<String, String> one = new HashMap<>(Map.of("data_dir", dir.toString(), "sql_db", "fs"));
      one.put(k.name(), sample(k));
      Map<String, String> lib = assertAccepted(() -> RiverFsConfig.settings(one), k);
      Settings cliFile = ConfigMapper.load(yaml(one), Map.of(), Map.of(), w -> { });
      Settings cliEnv = ConfigMapper.load(null, env(one), Map.of(), w -> { });
      Settings cliFlags = ConfigMapper.load(null, Map.of(), one, w -> { });
      assertThat(cliFile.asMap()).as(k.name() + " from a file").isEqualTo(lib);
      assertThat(cliEnv.asMap()).as(k.name() + " from the environment").isEqualTo(lib);
      assertThat(cliFlags.asMap()).as(k.name() + " from a flag").isEqualTo(lib);
      assertThat(help.out()).contains(k.flag() + "=");
    }
  }

  @Test
  void aTypo_failsInTheLibraryAndInEveryCliSource() throws IOException {
    Map<String, String> typo = Map.of("data_dir", dir.toString(), "cache_szie", "1G");
    assertThatThrownBy(() -> RiverFsConfig.settings(typo)).hasMessageContaining("cache_szie")
        .hasMessageContaining("cache_size");
    assertThatThrownBy(() -> RiverFsConfig.fromSettings(typo)).hasMessageContaining("cache_szie");
    assertThatThrownBy(() -> ConfigMapper.load(yaml(typo), Map.of(), Map.of(), w -> { }))
        .isInstanceOf(UserError.class).hasMessageContaining("cache_szie");
    assertThatThrownBy(() -> ConfigMapper.load(null, Map.of("TRUCKEEFS_CACHE_SZIE", "1G"), Map.of(), w -> { }))
        .isInstanceOf(UserError.class).hasMessageContaining("TRUCKEEFS_CACHE_SZIE");
    Cli r = Cli.run("--cache-szie", "1G", "status");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--cache-size");
  }

  @Test
  void theDefaultsAreTheSame_inTheLibraryAndTheCli() {
    Map<String, String> lib = assertAccepted(() -> RiverFsConfig.settings(Map.of()), null);
    Settings cli = ConfigMapper.load(null, Map.of(), Map.of(), w -> { });
    assertThat(cli.asMap()).isEqualTo(lib);
    assertThat(cli.asMap().get("cache_dir")).endsWith("/.tahoe-cache");
  }

  @Test
  void theOperationsGuide_listsExactlyTheKeyTable() throws IOException {
    String doc = Files.readString(OPERATIONS, StandardCharsets.UTF_8);
    int b = doc.indexOf(BEGIN);
    int e = doc.indexOf(END);
    assertThat(b).as("docs/operations.md has the generated settings table").isNotNegative();
    String expected = table();
    String actual = doc.substring(b + BEGIN.length(), e).strip();
    if (!actual.equals(expected.strip()) && Boolean.getBoolean("update.docs")) {
      Files.writeString(OPERATIONS, doc.substring(0, b + BEGIN.length()) + "\n" + expected + doc.substring(e));
      return;
    }
    assertThat(actual).as("docs/operations.md settings table is stale: run ./mvnw -q -pl truckeefs-cli -am verify"
        + " -Dtest=ConfigParityTest -Dsurefire.failIfNoSpecifiedTests=false -DskipITs -Dupdate.docs=true")
        .isEqualTo(expected.strip());
  }

  @Test
  void everySettingTheDocsMention_exists() throws IOException {
    List<Path> docs = new ArrayList<>();
    docs.add(REPO.resolve("README.md"));
    try (Stream<Path> s = Files.list(REPO.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
    }
    try (Stream<Path> s = Files.list(REPO)) {
      s.map(p -> p.resolve("README.md")).filter(Files::exists).forEach(docs::add);
    }
    Pattern word = Pattern.compile("`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?:=[^`]*)?`");
    // A word counts as a setting when it starts like one (sql_, redis_, cache_, ...): table and column names are
    // also backticked snake_case, and the docs may name them freely.
    Set<String> prefixes = new TreeSet<>();
    RiverFsConfig.KEYS.stream().filter(k -> k.name().contains("_"))
        .forEach(k -> prefixes.add(k.name().substring(0, k.name().indexOf('_') + 1)));
    Set<String> unknown = new TreeSet<>();
    for (Path d : docs) {
      Matcher m = word.matcher(Files.readString(d, StandardCharsets.UTF_8));
      while (m.find()) {
        String w = m.group(1);
        boolean looksLikeASetting = prefixes.stream().anyMatch(w::startsWith);
        if (looksLikeASetting && RiverFsConfig.key(w).isEmpty() && !NOT_SETTINGS.contains(w)) {
          unknown.add(w + " (" + REPO.relativize(d) + ")");
        }
      }
    }
    assertThat(unknown).as("settings the docs mention but RiverFsConfig.KEYS lacks (add the key, fix the doc, or"
        + " list a non-setting word in ConfigParityTest.NOT_SETTINGS)").isEmpty();
  }

  /** The markdown table of docs/operations.md, one sub-table per section. */
  static String table() {
    StringBuilder sb = new StringBuilder();
    for (ConfigKey.Section s : ConfigKey.Section.values()) {
      sb.append("\n**").append(s.title()).append("**\n\n| key | default | meaning |\n|---|---|---|\n");
      for (ConfigKey k : RiverFsConfig.KEYS) {
        if (k.section() != s) {
          continue;
        }
        String unit = switch (k.kind()) {
          case DURATION -> " Seconds, or with a unit.";
          case BYTES -> " Bytes, or with a unit.";
          case INT, CHOICE -> " " + Character.toUpperCase(k.unit().charAt(0)) + k.unit().substring(1) + ".";
          default -> "";
        };
        sb.append("| `").append(k.name()).append('`');
        k.aliases().forEach(a -> sb.append(" (`").append(a).append("`)"));
        sb.append(" | ").append(k.defaultValue().isEmpty() ? "(unset)" : "`" + k.defaultValue() + "`")
            .append(" | ").append(k.description().replace("|", "\\|")).append(unit).append(" |\n");
      }
    }
    return sb.toString();
  }

  private Path yaml(Map<String, String> values) {
    StringBuilder sb = new StringBuilder();
    values.forEach((k, v) -> sb.append(k).append(": \"").append(v).append("\"\n"));
    try {
      Path f = Files.createTempFile(dir, "c", ".yaml");
      Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      return Files.writeString(f, sb.toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Map<String, String> env(Map<String, String> values) {
    Map<String, String> env = new HashMap<>();
    values.forEach((k, v) -> env.put("TRUCKEEFS_" + k.toUpperCase(java.util.Locale.ROOT), v));
    return env;
  }

  private interface Parse {
    Map<String, String> get() throws Exception;
  }

  private static Map<String, String> assertAccepted(Parse p, ConfigKey k) {
    try {
      return p.get();
    } catch (Exception e) {
      throw new AssertionError((k == null ? "defaults" : k.name()) + " rejected: " + e.getMessage(), e);
    }
  }
}
