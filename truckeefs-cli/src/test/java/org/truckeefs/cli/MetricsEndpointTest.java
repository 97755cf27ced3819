package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/** The Prometheus endpoint of `mount --metrics`, scraped while a workload runs: the counters move. */
class MetricsEndpointTest {
  @TempDir Path dir;

  private static String scrape(InetSocketAddress at) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + at.getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static double value(String body, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(body);
    assertThat(m.find()).as("series %s in:%n%s", series, body).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void scrapedDuringAWorkload_backendCountersAndCacheGaugesMove() throws Exception {
    try (RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(Map.of("data_dir", dir.resolve("d").toString())));
        MetricsEndpoint endpoint = MetricsEndpoint.start(fs, new InetSocketAddress("127.0.0.1", 0))) {
      assertThat(endpoint.address().getAddress().isLoopbackAddress()).isTrue();
      PathFileSystem p = new PathFileSystem(fs);
      String before = scrape(endpoint.address());
      String createSeries = "truckeefs_backend_calls_seconds_count{backend=\"metadata\",op=\"createEntry\"}";
      String putSeries = "truckeefs_backend_calls_seconds_count{backend=\"blobs\",op=\"putFile\"}";
      double creates = before.contains(createSeries) ? value(before, createSeries) : 0;
      System.gc(); // the meters must not depend on objects only they hold (Micrometer keeps them weakly)
      for (int i = 0; i < 20; i++) {
        p.write("/f" + i, new byte[100_000]);
      }
      fs.syncAll();
      for (int i = 0; i < 20; i++) {
        // read back: served from the cache (the uploaded blobs' files, linked into it)
        assertThat(p.readAllBytes("/f" + i)).hasSize(100_000);
      }
      String after = scrape(endpoint.address());
      assertThat(after).contains("truckeefs_backend_calls_seconds_count{backend=\"metadata\"");
      assertThat(after).contains("truckeefs_cache_used_bytes", "truckeefs_uploads_pending", "jvm_memory_used_bytes");
      double metadataCalls = Pattern.compile("(?m)^truckeefs_backend_calls_seconds_count\\{backend=\"metadata\",op=\"[a-zA-Z]+\"} ([0-9.eE+-]+)$")
          .matcher(after).results().mapToDouble(r -> Double.parseDouble(r.group(1))).sum();
      assertThat(metadataCalls).as("metadata calls counted in %s", after.lines().filter(l -> l.contains("backend")).limit(8).toList()).isGreaterThanOrEqualTo(20);
      double blobCalls = Pattern.compile("(?m)^truckeefs_backend_calls_seconds_count\\{backend=\"blobs\",op=\"[a-zA-Z]+\"} ([0-9.eE+-]+)$")
          .matcher(after).results().mapToDouble(r -> Double.parseDouble(r.group(1))).sum();
      assertThat(blobCalls).as("blob uploads counted").isGreaterThanOrEqualTo(20);
      assertThat(value(after, "truckeefs_cache_used_bytes")).isPositive();
      assertThat(after).contains("truckeefs_backend_calls_seconds_count{backend=\"coordinator\"",
          "truckeefs_cache_reads_total{result=\"hit\"}", "truckeefs_cache_fetched_bytes_total",
          "truckeefs_cache_evictions_total", "truckeefs_uploads_oldest_age_seconds", "truckeefs_mirror_lag_seconds",
          "truckeefs_locks_waits_seconds_count");
      assertThat(value(after, "truckeefs_uploads_oldest_age_seconds")).as("all uploaded").isZero();
      assertThat(creates).isGreaterThanOrEqualTo(0);
      assertThat(after).doesNotContain(dir.toString()); // no paths (or names) in the metrics
      assertThat(putSeries).isNotEmpty();
    }
  }

  @Test
  void address_bareIsLoopback_andBadInputNamesTheOption() {
    assertThat(MetricsEndpoint.address("9464").getAddress().isLoopbackAddress()).isTrue();
    assertThat(MetricsEndpoint.address("0.0.0.0:9464").getPort()).isEqualTo(9464);
    assertThatThrownBy(() -> MetricsEndpoint.address("nine")).isInstanceOf(UserError.class)
        .hasMessageContaining("--metrics");
  }
}
