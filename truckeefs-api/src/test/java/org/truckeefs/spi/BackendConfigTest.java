package org.truckeefs.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsException;

class BackendConfigTest {
  @Test
  void parsesSecondsAndSuffixedDurations() throws FsException {
    BackendConfig c = BackendConfig.of(Map.of("a", "30", "b", "1.5", "c", "500ms", "d", "2h", "e", "5m"));
    assertThat(c.getDuration("a", null)).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.getDuration("b", null)).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.getDuration("c", null)).isEqualTo(Duration.ofMillis(500));
    assertThat(c.getDuration("d", null)).isEqualTo(Duration.ofHours(2));
    assertThat(c.getDuration("e", null)).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.getDuration("missing", Duration.ZERO)).isEqualTo(Duration.ZERO);
  }

  @Test
  void parsesSizes() throws FsException {
    BackendConfig c = BackendConfig.of(Map.of("a", "0", "b", "64M", "c", "10GiB", "d", "512k", "e", "1024"));
    assertThat(c.getBytes("a", -1)).isZero();
    assertThat(c.getBytes("b", -1)).isEqualTo(64L << 20);
    assertThat(c.getBytes("c", -1)).isEqualTo(10L << 30);
    assertThat(c.getBytes("d", -1)).isEqualTo(512L << 10);
    assertThat(c.getBytes("e", -1)).isEqualTo(1024);
  }

  @Test
  void badValuesNameTheKey_andHideSecrets() {
    BackendConfig c = BackendConfig.of(Map.of("cache_size", "lots", "sql_pass", "hunter2", "sql_ssl", "maybe"));
    assertThatThrownBy(() -> c.getBytes("cache_size", 0)).hasMessageContaining("cache_size").hasMessageContaining("lots");
    assertThatThrownBy(() -> c.getInt("sql_pass", 0)).hasMessageContaining("sql_pass").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> c.getBoolean("sql_ssl", false)).hasMessageContaining("sql_ssl");
    assertThat(c.toString()).doesNotContain("hunter2").contains("cache_size");
  }

  @Test
  void blobRefToStringHidesTheCapability() {
    BlobRef r = BlobRef.of("URI:CHK:abcdefghijklmnopqrstuvwxyz:secret:1:1:100");
    assertThat(r.toString()).doesNotContain("URI:CHK").doesNotContain("secret");
    assertThat(r.fingerprint()).hasSize(12);
    assertThat(r).isEqualTo(BlobRef.of(r.value()));
  }
}
