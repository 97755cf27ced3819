package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigMapperTest {
  @TempDir Path dir;
  private final java.util.List<String> warnings = new java.util.ArrayList<>();

  private Settings load(String yaml, Map<String, String> env, Map<String, String> flags) throws IOException {
    Path f = null;
    if (yaml != null) {
      f = dir.resolve("c.yaml");
      Files.writeString(f, yaml);
    }
    Map<String, String> e = new HashMap<>(env);
    if (yaml == null || !yaml.contains("data_dir")) {
      e.putIfAbsent("data_dir", dir.resolve("home/.truckeefs").toString());
    }
    return ConfigMapper.load(f, e, flags, warnings::add);
  }

  @Test
  void defaultsCoverEverySeedKeyAndDeriveEmbeddedPaths() throws IOException {
    Settings s = load(null, Map.of(), Map.of());
    Map<String, String> m = s.asMap();
    assertThat(m).containsEntry("tahoe_url", "http://127.0.0.1:3456")
        .containsEntry("cache_maintenance", "true").containsEntry("cache_size", "0").containsEntry("cache_ttl", "14400")
        .containsEntry("net_timeout", "30").containsEntry("test_compatibility", "true").containsEntry("test_integration", "true")
        .containsEntry("test_functionality", "false").containsEntry("register_classes", "true").containsEntry("reset_redis", "true")
        .containsEntry("backend_storage_strategy", "FLAT").containsEntry("is_daemon", "false").containsEntry("sql_engine", "mysql")
        .containsEntry("sql_port", "3306").containsEntry("sql_ssl", "false").containsEntry("redis_port", "6379")
        .containsEntry("redis_db", "0").containsEntry("redis_semaphore_timeout", "1800").containsEntry("max_connections", "10")
        .containsEntry("nice", "19")
        .containsEntry("allow_other", "false")
        .containsEntry("data_dir", dir.resolve("home/.truckeefs").toString())
        .containsEntry("cache_dir", dir.resolve("home/.truckeefs/.tahoe-cache").toString())
        .doesNotContainKeys("rootcap", "sql_host", "sql_db", "sql_user", "sql_pass", "redis_host", "auth_token", "sleep", "mount", "attr_timeout", "entry_timeout");
  }

  /** One key of each kind: file < env (plain) < env (TRUCKEEFS_) < flags. */
  @ParameterizedTest
  @CsvSource({
      "sql_host, db1, db2, db3, db4",
      "cache_size, 1k, 2M, 3G, 4",
      "cache_ttl, 10, 20s, 5m, 2h",
      "sql_ssl, true, false, yes, no",
      "sql_port, 1001, 1002, 1003, 1004",
      "redis_db, 1, 2, 3, 4",
      "backend_storage_strategy, FLAT, MIRROR, flat, mirror",
      "tahoe_url, http://a:1, http://b:2, https://c:3, http://d:4",
      "rootcap, URI:DIR2:a:1, URI:DIR2:b:2, URI:DIR2:c:3, URI:DIR2-MDMF:d:4",
      "nice, 1, 2, 3, -4",
  })
  void precedenceIsFlagsOverEnvOverFile(String key, String file, String env, String prefixedEnv, String flag) throws IOException {
    String yaml = key + ": \"" + file + "\"\nsql_db: x\n";
    String envName = "TRUCKEEFS_" + key.toUpperCase();
    assertThat(load(yaml, Map.of(), Map.of()).asMap().get(key)).isEqualTo(normal(key, file));
    assertThat(load(yaml, Map.of(key, env), Map.of()).asMap().get(key)).isEqualTo(normal(key, env));
    assertThat(load(yaml, Map.of(key, env, envName, prefixedEnv), Map.of()).asMap().get(key)).isEqualTo(normal(key, prefixedEnv));
    assertThat(load(yaml, Map.of(key, env, envName, prefixedEnv), Map.of(key, flag)).asMap().get(key)).isEqualTo(normal(key, flag));
  }

  private static String normal(String key, String v) {
    return switch (key) {
      case "sql_ssl" -> Boolean.toString(v.equals("true") || v.equals("yes"));
      case "backend_storage_strategy" -> v.toUpperCase();
      default -> v;
    };
  }

  @Test
  void yamlScalarsOfAnyType_andTheSeedAliases() throws IOException {
    Settings s = load("sql_host: \"localhost:3307\"\nsql_db: fs\ncache_maintenance: no\nnet_timeout: 2.5\nredis_host: r:6380\n"
        + "base_url: http://gw:9000\n", Map.of(), Map.of("timeout", "7"));
    assertThat(s.asMap()).containsEntry("sql_host", "localhost:3307")
        .containsEntry("cache_maintenance", "false").containsEntry("net_timeout", "7")
        .containsEntry("redis_host", "r:6380").containsEntry("tahoe_url", "http://gw:9000");
  }

  @Test
  void launcherJavaOptionsAreNotASetting() throws IOException {
    assertThat(load(null, Map.of("TRUCKEEFS_JAVA_OPTS", "-Xmx1g"), Map.of()).asMap()).doesNotContainKey("java_opts");
  }

  @Test
  void aSecretInAFileOthersCanRead_warnsOnce_andAPrivateFileDoesNot() throws IOException {
    Path f = Files.writeString(dir.resolve("secret.yaml"), "sql_pass: hunter2\n");
    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    ConfigMapper.load(f, Map.of("data_dir", dir.toString()), Map.of(), warnings::add);
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("sql_pass", "chmod 600", f.toString()).doesNotContain("hunter2");
    warnings.clear();
    ConfigMapper.load(f, Map.of("data_dir", dir.toString(), ConfigMapper.CHILD_ENV, "1"), Map.of(), warnings::add);
    assertThat(warnings).as("the background child does not warn again").isEmpty();
    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    ConfigMapper.load(f, Map.of("data_dir", dir.toString()), Map.of(), warnings::add);
    assertThat(warnings).isEmpty();
  }

  @Test
  void relativeCacheAndBlobDirsLiveInDataDir() throws IOException {
    Settings s = load("data_dir: " + dir.resolve("d") + "\ncache_dir: c\nblob_dir: /abs/blobs\n", Map.of(), Map.of());
    assertThat(s.asMap()).containsEntry("cache_dir", dir.resolve("d/c").toString()).containsEntry("blob_dir", "/abs/blobs");
    assertThat(s.fuseOptions().attrTimeout()).hasSeconds(1);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "sql_hots: x|unknown setting 'sql_hots'",
      "cache_size: lots|setting cache_size",
      "cache_ttl: soon|setting cache_ttl",
      "sql_ssl: maybe|setting sql_ssl",
      "sql_port: 70000|setting sql_port = '70000' is not a port",
      "redis_port: abc|setting redis_port = 'abc'",
      "nice: 40|setting nice = '40' is not an integer -20..19",
      "backend_storage_strategy: TREE|setting backend_storage_strategy = 'TREE'",
      "tahoe_url: ftp://x|setting tahoe_url = 'ftp://x'",
      "sql_host: db|sql_db is required",
      "rootcap: URI:CHK:abc|setting rootcap",
      "cache_size: [1, 2]|must be a single value",
      "cache_size: {unclosed|not valid YAML",
  })
  void badInputIsOneLineNamingTheKey(String yaml, String expected) {
    assertThatThrownBy(() -> load(yaml + "\n", Map.of(), Map.of()))
        .isInstanceOfSatisfying(UserError.class, e -> {
          assertThat(e.exitCode()).isEqualTo(2);
          assertThat(e.getMessage()).contains(expected).doesNotContain("\n");
        });
  }

  @Test
  void unknownPrefixedEnvironmentVariableIsRefusedWithAHint() {
    Map<String, String> env = new HashMap<>();
    env.put("TRUCKEEFS_SQL_HOTS", "x");
    assertThatThrownBy(() -> load(null, env, Map.of())).isInstanceOf(UserError.class)
        .hasMessageContaining("TRUCKEEFS_SQL_HOTS").hasMessageContaining("sql_host");
  }

  @Test
  void badValueFromTheCommandLineSaysSo() {
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("cache_size", "huge")))
        .hasMessageContaining("cache_size").hasMessageContaining("command line");
  }

  @Test
  void secretsAreHiddenInToString() throws IOException {
    Settings s = load(null, Map.of("sql_pass", "hunter2", "rootcap", "URI:DIR2:secret:x"), Map.of());
    assertThat(s.toString()).doesNotContain("hunter2").doesNotContain("secret");
  }

  /** A lowlevel adapter that is never mounted: kernelCaching only reads its name. */
  private static final org.truckeefs.fuse.FuseAdapter LOWLEVEL = new org.truckeefs.fuse.FuseAdapter() {
    @Override
    public String name() {
      return org.truckeefs.fuse.FuseAdapters.LOWLEVEL;
    }

    @Override
    public java.util.List<String> problems() {
      return java.util.List.of();
    }

    @Override
    public org.truckeefs.fuse.MountedFs mount(org.truckeefs.api.FileSystem fs, Path mountPoint,
        org.truckeefs.fuse.FuseOptions options) {
      throw new UnsupportedOperationException();
    }
  };

  @Test
  void writebackCache_isOff_unlessAsked_andRefusedWithSeveralHosts() throws IOException {
    Settings plain = load(null, Map.of(), Map.of());
    assertThat(MountCommand.kernelCaching(plain, LOWLEVEL, plain.fuseOptions()).writebackCache()).isFalse();
    Settings asked = load("writeback_cache: yes\n", Map.of(), Map.of());
    assertThat(MountCommand.kernelCaching(asked, LOWLEVEL, asked.fuseOptions()).writebackCache()).isTrue();
    assertThatThrownBy(() -> load("writeback_cache: true\nredis_host: 127.0.0.1\n", Map.of(), Map.of()))
        .isInstanceOfSatisfying(UserError.class, e -> {
          assertThat(e.exitCode()).isEqualTo(2);
          assertThat(e.getMessage()).contains("writeback_cache", "redis_host").doesNotContain("\n");
        });
  }
}
