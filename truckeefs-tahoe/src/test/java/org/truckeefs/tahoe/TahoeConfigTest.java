package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

class TahoeConfigTest {
  private static final String ROOT =
      "URI:DIR2:aaaaaaaaaaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

  private static TahoeConfig parse(Map<String, String> m) throws FsException {
    return TahoeConfig.from(URI.create("tahoe:/"), BackendConfig.of(m));
  }

  @Test
  void defaults_followTheSeed() throws Exception {
    TahoeConfig c = parse(Map.of("rootcap", ROOT));
    assertThat(c.gateway()).hasToString("http://127.0.0.1:3456");
    assertThat(c.strategy()).isEqualTo(StorageStrategy.FLAT);
    assertThat(c.maxConnections()).isEqualTo(10);
    assertThat(c.netTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.authToken()).isEmpty();
  }

  @Test
  void settings_areRead() throws Exception {
    Map<String, String> m = new HashMap<>(Map.of("rootcap", ROOT, "tahoe_url", "http://gw:8080/",
        "backend_storage_strategy", "mirror", "max_connections", "4", "net_timeout", "2.5", "auth_token", "s3cr3tvalue"));
    TahoeConfig c = parse(m);
    assertThat(c.gateway()).hasToString("http://gw:8080");
    assertThat(c.strategy()).isEqualTo(StorageStrategy.MIRROR);
    assertThat(c.maxConnections()).isEqualTo(4);
    assertThat(c.netTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(c.authToken()).hasValue("s3cr3tvalue");
    assertThat(c.toString()).doesNotContain("s3cr3tvalue").doesNotContain(ROOT).doesNotContain("URI:");
  }

  @Test
  void rootcap_isRequired_andMustBeAWritableDirectory() {
    assertThatThrownBy(() -> parse(Map.of())).isInstanceOf(FsException.class)
        .hasMessageContaining("rootcap is missing");
    for (String bad : new String[] {"URI:DIR2-RO:aaaa:bbbb", "URI:CHK:aaaa:bbbb:1:1:10", "garbage",
        "URI:LIT:nbswy3dp"}) {
      assertThatThrownBy(() -> parse(Map.of("rootcap", bad)))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.INVALID))
          .hasMessageContaining("URI:DIR2:")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(bad).doesNotContain("\n"));
    }
    assertThat(catchThrowable(() -> parse(Map.of("rootcap", "URI:DIR2-MDMF:aaaa:bbbb")))).isNull();
  }

  @Test
  void badValues_areOneLineErrorsNamingTheKey() {
    assertThatThrownBy(() -> parse(Map.of("rootcap", ROOT, "backend_storage_strategy", "TREE")))
        .hasMessageContaining("backend_storage_strategy");
    assertThatThrownBy(() -> parse(Map.of("rootcap", ROOT, "max_connections", "0")))
        .hasMessageContaining("max_connections");
    assertThatThrownBy(() -> parse(Map.of("rootcap", ROOT, "max_connections", "1",
        "backend_storage_strategy", "MIRROR"))).hasMessageContaining("max_connections").hasMessageContaining("MIRROR");
    assertThatThrownBy(() -> parse(Map.of("rootcap", ROOT, "tahoe_url", "ftp://x")))
        .hasMessageContaining("tahoe_url");
  }

  private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
    return org.assertj.core.api.Assertions.catchThrowable(c);
  }
}
