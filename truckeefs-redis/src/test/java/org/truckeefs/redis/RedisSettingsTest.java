package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

class RedisSettingsTest {
  @Test
  void defaults_matchTheSeed() throws FsException {
    RedisSettings s = RedisSettings.from(null, BackendConfig.empty());
    assertThat(s.host()).isEqualTo("127.0.0.1");
    assertThat(s.port()).isEqualTo(6379);
    assertThat(s.database()).isZero();
    assertThat(s.semaphoreTimeout()).isEqualTo(Duration.ofSeconds(1800));
    assertThat(s.reset()).isTrue();
  }

  @Test
  void redisHost_mayCarryThePort() throws FsException {
    RedisSettings s = RedisSettings.from(null, BackendConfig.of(Map.of("redis_host", "cache.example:6400")));
    assertThat(s.host()).isEqualTo("cache.example");
    assertThat(s.port()).isEqualTo(6400);
    assertThat(s.address()).isEqualTo("redis://cache.example:6400");
  }

  @Test
  void uri_winsOverSettings() throws FsException {
    RedisSettings s = RedisSettings.from(URI.create("redis://10.0.0.5:6390/3"),
        BackendConfig.of(Map.of("redis_host", "other", "redis_db", "1")));
    assertThat(s.host()).isEqualTo("10.0.0.5");
    assertThat(s.port()).isEqualTo(6390);
    assertThat(s.database()).isEqualTo(3);
  }

  @Test
  void password_isNeverShown() throws FsException {
    RedisSettings s = RedisSettings.from(null, BackendConfig.of(Map.of("redis_pass", "hunter2-secret")));
    assertThat(s.password()).contains("hunter2-secret");
    assertThat(s.toString()).doesNotContain("hunter2-secret").contains("***");
  }

  @Test
  void badValues_nameTheKey() {
    assertThatThrownBy(() -> RedisSettings.from(null, BackendConfig.of(Map.of("redis_port", "99999"))))
        .isInstanceOf(FsException.class).hasMessageContaining("redis_port");
    assertThatThrownBy(() -> RedisSettings.from(null, BackendConfig.of(Map.of("redis_semaphore_timeout", "0"))))
        .isInstanceOf(FsException.class).hasMessageContaining("redis_semaphore_timeout");
    assertThatThrownBy(() -> RedisSettings.from(null, BackendConfig.of(Map.of("reset_redis", "maybe"))))
        .isInstanceOf(FsException.class).hasMessageContaining("reset_redis");
  }

  @Test
  void unreachableServer_failsWithEio_andNoPassword() {
    var scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      var ctx = new org.truckeefs.spi.BackendContext("fs", java.nio.file.Path.of("unused"),
          java.time.Clock.systemUTC(), org.truckeefs.spi.Ticker.system(), scheduler);
      assertThatThrownBy(() -> new RedisCoordinatorProvider().create(URI.create("redis://127.0.0.1:1/0"),
              BackendConfig.of(Map.of("redis_pass", "hunter2-secret", "redis_timeout", "500ms")), ctx))
          .isInstanceOf(FsException.class)
          .satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(5))
          .hasMessageNotContaining("hunter2-secret");
    } finally {
      scheduler.shutdownNow();
    }
  }
}
