package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsException;

class RiverFsConfigTest {
  static final Path DATA = Path.of("/srv/truckee");

  @Test
  void defaults() throws Exception {
    RiverFsConfig c = RiverFsConfig.builder().dataDir(DATA).build();
    assertThat(c.chunkSize()).isEqualTo(4 << 20);
    assertThat(c.cacheDir()).isEqualTo(DATA.resolve(".tahoe-cache"));
    assertThat(c.cacheSize()).isZero();
    assertThat(c.cacheTtl()).isEqualTo(Duration.ofSeconds(14400));
    assertThat(c.pruneInterval()).isEqualTo(Duration.ofSeconds(3600));
    assertThat(c.maxConnections()).isEqualTo(10);
    assertThat(c.cacheMaintenance()).isTrue();
    assertThat(c.blobUri().toString()).isEqualTo("local:/srv/truckee/blobs");
    assertThat(c.scheduler()).isEmpty();
  }

  @Test
  void metadataCacheTtl_isLongOnlyWhenThisIsTheOnlyHost_andAnExplicitValueWins() throws Exception {
    RiverFsConfig one = RiverFsConfig.builder().dataDir(DATA).build(); // local: is private to this instance
    assertThat(one.metadataCacheTtl()).isEqualTo(RiverFsConfig.ONE_HOST_METADATA_CACHE_TTL);
    RiverFsConfig shared = RiverFsConfig.builder().dataDir(DATA).coordinatorUri("local://space").build();
    assertThat(shared.metadataCacheTtl()).isEqualTo(Duration.ofSeconds(1));
    RiverFsConfig redis = RiverFsConfig.builder().dataDir(DATA).coordinatorUri("redis://127.0.0.1:6379/0").build();
    assertThat(redis.metadataCacheTtl()).isEqualTo(Duration.ofSeconds(1));
    // the choice follows the coordinator through toBuilder, unless it was set
    assertThat(one.toBuilder().coordinatorUri("redis://h:6379/0").build().metadataCacheTtl())
        .isEqualTo(Duration.ofSeconds(1));
    RiverFsConfig set = RiverFsConfig.builder().dataDir(DATA).metadataCacheTtl(Duration.ofSeconds(5)).build();
    assertThat(set.toBuilder().coordinatorUri("redis://h:6379/0").build().metadataCacheTtl())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(RiverFsConfig.fromSettings(Map.of("data_dir", "/srv/t", "metadata_uri", "memory:",
        "metadata_cache_ttl", "0"), Backends.discover()).metadataCacheTtl()).isZero();
  }

  @Test
  void badValues_failNamingTheFieldAndValue() {
    assertThatThrownBy(() -> RiverFsConfig.builder().dataDir(DATA).chunkSize(100_000).build())
        .isInstanceOf(FsException.class).hasMessageContaining("chunk_size").hasMessageContaining("100000");
    assertThatThrownBy(() -> RiverFsConfig.builder().dataDir(DATA).chunkSize(128 << 20).build())
        .hasMessageContaining("chunk_size");
    assertThatThrownBy(() -> RiverFsConfig.builder().dataDir(DATA).cacheSize(-1).build())
        .hasMessageContaining("cache_size");
    assertThatThrownBy(() -> RiverFsConfig.builder().dataDir(DATA).maxConnections(0).build())
        .hasMessageContaining("max_connections");
    assertThatThrownBy(() -> RiverFsConfig.builder().build()).hasMessageContaining("data_dir");
    assertThatThrownBy(() -> RiverFsConfig.builder().dataDir(DATA).metadataUri("no scheme").build())
        .hasMessageContaining("metadata_uri");
  }

  @Test
  void fromSettings_embeddedDefaults() throws Exception {
    RiverFsConfig c = RiverFsConfig.fromSettings(Map.of("data_dir", "/srv/truckee", "metadata_uri", "memory:"),
        Backends.discover());
    assertThat(c.metadataUri().getScheme()).isEqualTo("memory");
    assertThat(c.blobUri().toString()).isEqualTo("local:/srv/truckee/blobs");
    assertThat(c.coordinatorUri().getScheme()).isEqualTo("local");
    assertThat(c.cacheDir()).isEqualTo(Path.of("/srv/truckee/.tahoe-cache"));
  }

  @Test
  void fromSettings_persistentDataDirWithoutAMetadataModule_failsNamingTheModule() {
    // core's test classpath has no truckeefs-sql: silently using memory: would lose everything at exit
    assertThatThrownBy(() -> RiverFsConfig.fromSettings(Map.of("data_dir", "/srv/truckee"), Backends.discover()))
        .isInstanceOf(FsException.class).hasMessageContaining("truckeefs-sql").hasMessageContaining("memory:");
  }

  @Test
  void aBackendWhoseModuleIsMissing_isNamed() {
    assertThatThrownBy(() -> Backends.discover().coordinator("redis")).hasMessageContaining("truckeefs-redis");
    assertThatThrownBy(() -> Backends.discover().blobStore("tahoe")).hasMessageContaining("truckeefs-tahoe");
    assertThatThrownBy(() -> Backends.discover().metadataStore("mariadb")).hasMessageContaining("truckeefs-sql");
  }

  @Test
  void fromSettings_unknownKey_failsWithAHint() {
    assertThatThrownBy(() -> RiverFsConfig.fromSettings(Map.of("data_dir", "/x", "metadata_uri", "memory:",
        "cache_szie", "1G"), Backends.discover()))
        .isInstanceOf(FsException.class).hasMessageContaining("cache_szie").hasMessageContaining("cache_size");
  }

  @Test
  void settings_seedAliasesAreAccepted_andDisagreeingAliasesFail() throws Exception {
    Map<String, String> s = RiverFsConfig.settings(Map.of("data_dir", "/x", "base_url", "http://gw:9000",
        "timeout", "7"));
    assertThat(s).containsEntry("tahoe_url", "http://gw:9000").containsEntry("net_timeout", "7")
        .doesNotContainKeys("base_url", "timeout");
    assertThatThrownBy(() -> RiverFsConfig.settings(Map.of("data_dir", "/x", "tahoe_url", "http://a:1",
        "base_url", "http://b:2"))).hasMessageContaining("tahoe_url");
  }

  @Test
  void settings_fillDefaultsAndResolvePaths() throws Exception {
    Map<String, String> s = RiverFsConfig.settings(Map.of("data_dir", "/srv/t", "blob_dir", "b",
        "sql_ssl", "yes", "backend_storage_strategy", "mirror"));
    assertThat(s).containsEntry("cache_dir", "/srv/t/.tahoe-cache").containsEntry("blob_dir", "/srv/t/b")
        .containsEntry("sql_ssl", "true").containsEntry("backend_storage_strategy", "MIRROR")
        .containsEntry("cache_ttl", "14400").containsEntry("max_connections", "10");
    assertThat(RiverFsConfig.settings(Map.of()).get("data_dir"))
        .isEqualTo(Path.of(System.getProperty("user.home"), ".truckeefs").toString());
    assertThatThrownBy(() -> RiverFsConfig.settings(Map.of("nice", "20"))).hasMessageContaining("nice");
    assertThatThrownBy(() -> RiverFsConfig.settings(Map.of("sql_host", "db"))).hasMessageContaining("sql_db");
  }

  @Test
  void keyTable_everyDefaultIsValid_namesAreUnique_andSecretsAgreeWithTheBackends() throws Exception {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (ConfigKey k : RiverFsConfig.KEYS) {
      assertThat(names.add(k.name())).as("duplicate %s", k.name()).isTrue();
      k.aliases().forEach(a -> assertThat(names.add(a)).as("duplicate alias %s", a).isTrue());
      assertThat(k.normalize(k.defaultValue())).as(k.name()).isNotNull();
      assertThat(k.description()).as(k.name()).isNotBlank().doesNotContain("TODO");
    }
    assertThat(RiverFsConfig.KEYS.stream().filter(ConfigKey::secret).map(ConfigKey::name))
        .containsExactlyInAnyOrderElementsOf(org.truckeefs.spi.BackendConfig.SECRET_KEYS);
  }

  @Test
  void fromSettings_derivesServerUrisAndParsesUnits() throws Exception {
    RiverFsConfig c = RiverFsConfig.fromSettings(Map.ofEntries(
        Map.entry("data_dir", "/srv/truckee"),
        Map.entry("sql_host", "db.example"), Map.entry("sql_port", "3307"), Map.entry("sql_db", "fs"),
        Map.entry("rootcap", "URI:DIR2:secret"),
        Map.entry("redis_host", "cache.example"),
        Map.entry("cache_size", "10M"), Map.entry("cache_ttl", "60"), Map.entry("sleep", "5m"),
        Map.entry("chunk_size", "1M"), Map.entry("cache_dir", "/var/cache/t")),
        Backends.discover());
    assertThat(c.metadataUri().toString()).isEqualTo("mariadb://db.example:3307/fs");
    assertThat(c.blobUri().getScheme()).isEqualTo("tahoe");
    assertThat(c.coordinatorUri().toString()).isEqualTo("redis://cache.example:6379/0");
    assertThat(c.cacheSize()).isEqualTo(10L << 20);
    assertThat(c.cacheTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.pruneInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.chunkSize()).isEqualTo(1 << 20);
    assertThat(c.cacheDir()).isEqualTo(Path.of("/var/cache/t"));
    assertThat(c.backendConfig().get("rootcap")).contains("URI:DIR2:secret");
    assertThat(c.toString()).doesNotContain("secret");
  }

  @Test
  void fromSettings_hostWithPort_winsOverTheSeparatePortSetting() throws Exception {
    RiverFsConfig c = RiverFsConfig.fromSettings(Map.of(
        "data_dir", "/srv/truckee", "sql_host", "db.example:3310", "sql_port", "3307", "sql_db", "fs",
        "redis_host", "cache.example:6390", "redis_port", "6379"), Backends.discover());
    assertThat(c.metadataUri().toString()).isEqualTo("mariadb://db.example:3310/fs");
    assertThat(c.coordinatorUri().toString()).isEqualTo("redis://cache.example:6390/0");
  }

  @Test
  void fromSettings_badValue_namesTheKey() {
    assertThatThrownBy(() -> RiverFsConfig.fromSettings(Map.of("data_dir", "/x", "cache_ttl", "soon", "metadata_uri", "memory:"),
        Backends.discover())).hasMessageContaining("cache_ttl");
  }
}
