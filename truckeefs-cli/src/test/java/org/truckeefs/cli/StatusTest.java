package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** status checks each backend on its own and says which one failed; --json has the same fields. */
class StatusTest {
  @TempDir Path dir;

  @Test
  void embeddedBackends_allOk_inTextAndJson() throws Exception {
    String data = dir.resolve("data").toString();
    Cli text = Cli.run("--data-dir", data, "status");
    assertThat(text.code()).as(text.err()).isZero();
    assertThat(text.out()).contains("metadata:", "blobs:", "coordination: local:").doesNotContain("FAILED");
    Cli json = Cli.run("--data-dir", data, "status", "--json");
    assertThat(json.code()).as(json.err()).isZero();
    JsonNode n = new ObjectMapper().readTree(json.out());
    assertThat(n.get("ok").asBoolean()).isTrue();
    assertThat(n.get("data_dir").asText()).isEqualTo(data);
    assertThat(n.get("backends").get("metadata").get("ok").asBoolean()).isTrue();
    assertThat(n.get("backends").get("blobs").get("uri").asText()).isEqualTo("local:" + data + "/blobs");
    assertThat(n.get("backends").get("coordinator").get("ok").asBoolean()).isTrue();
    assertThat(n.get("files").get("inodes").asLong()).isNotNegative();
  }

  @Test
  void anUnreachableRedis_orTahoe_isNamed_andExits1_whileTheOthersAreStillReported() throws Exception {
    String data = dir.resolve("data").toString();
    Cli r = Cli.run("--data-dir", data, "--redis-host", "127.0.0.1:1", "--redis-timeout", "1",
        "--rootcap", "URI:DIR2:aaaa:bbbb", "--tahoe-url", "http://127.0.0.1:1", "--net-timeout", "1",
        "--net-retries", "0", "status", "--json");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    JsonNode n = new ObjectMapper().readTree(r.out());
    assertThat(n.get("ok").asBoolean()).isFalse();
    assertThat(n.get("backends").get("coordinator").get("ok").asBoolean()).isFalse();
    assertThat(n.get("backends").get("blobs").get("ok").asBoolean()).isFalse();
    assertThat(n.get("backends").get("metadata").get("ok").asBoolean()).isTrue();
    assertThat(r.out()).doesNotContain("aaaa:bbbb");
    Cli text = Cli.run("--data-dir", data, "--redis-host", "127.0.0.1:1", "--redis-timeout", "1", "status");
    assertThat(text.code()).isEqualTo(1);
    assertThat(text.out()).contains("coordination: redis://127.0.0.1:1").contains("FAILED");
  }
}
