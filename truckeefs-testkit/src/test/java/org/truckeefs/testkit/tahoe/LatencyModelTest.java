package org.truckeefs.testkit.tahoe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The emulator's latency model: requests cost at least what the model says, directory publishes to one directory
 * are paid one after another, and a malformed cap is refused as a real gateway does. Lower bounds only: a loaded
 * machine may be slower, never faster.
 */
class LatencyModelTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final Duration MS = Duration.ofMillis(1);
  /** Distinct costs per kind so a request charged as the wrong kind shows. */
  private static final LatencyModel MODEL = new LatencyModel(MS.multipliedBy(90), MS.multipliedBy(30),
      MS.multipliedBy(40), MS.multipliedBy(50), Duration.ofNanos(1_000_000), MS.multipliedBy(25),
      MS.multipliedBy(35), MS.multipliedBy(60), MS.multipliedBy(5), MS.multipliedBy(5), MS.multipliedBy(5),
      Duration.ZERO);

  private static HttpResponse<byte[]> send(TahoeGatewayEmulator gw, String method, String path, byte[] body,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url() + path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static long millis(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @Test
  void eachKindCostsAtLeastItsModelledTime() throws Exception {
    try (TahoeGatewayEmulator gw = TahoeGatewayEmulator.start(MODEL)) {
      String dir = gw.createDirectory();
      byte[] mib = new byte[1 << 20];
      mib[0] = 1;

      long t0 = System.nanoTime();
      String cap = new String(send(gw, "PUT", "/uri", mib).body());
      assertThat(millis(t0)).as("unlinked 1 MiB upload: 30 + 40 ms").isGreaterThanOrEqualTo(70);

      t0 = System.nanoTime();
      assertThat(send(gw, "PUT", "/uri/" + dir + "/a?t=uri", cap.getBytes()).statusCode()).isEqualTo(200);
      assertThat(millis(t0)).as("attach: one publish of an empty directory").isGreaterThanOrEqualTo(50);

      t0 = System.nanoTime();
      assertThat(send(gw, "PUT", "/uri/" + dir + "/b", mib).statusCode()).isEqualTo(201);
      assertThat(millis(t0)).as("upload into a directory of 1 entry: 70 + 51 ms").isGreaterThanOrEqualTo(121);

      t0 = System.nanoTime();
      assertThat(send(gw, "GET", "/uri/" + cap, null).body()).hasSize(1 << 20);
      assertThat(millis(t0)).as("GET 1 MiB: 35 + 60 ms").isGreaterThanOrEqualTo(95);

      t0 = System.nanoTime();
      assertThat(send(gw, "GET", "/uri/" + cap, null, "Range", "bytes=0-4095").statusCode()).isEqualTo(206);
      long ranged = millis(t0);
      assertThat(ranged).as("ranged 4 KiB GET: 35 ms and a little").isGreaterThanOrEqualTo(35);

      t0 = System.nanoTime();
      assertThat(send(gw, "POST", "/uri?t=mkdir", null).statusCode()).isEqualTo(200);
      assertThat(millis(t0)).as("mkdir").isGreaterThanOrEqualTo(90);

      t0 = System.nanoTime();
      assertThat(send(gw, "POST", "/uri/" + dir + "/?t=relink&from_name=a&to_name=c", null).statusCode())
          .isEqualTo(200);
      assertThat(millis(t0)).as("relink in one directory: 52 + 25 ms").isGreaterThanOrEqualTo(77);

      t0 = System.nanoTime();
      assertThat(send(gw, "DELETE", "/uri/" + dir + "/c", null).statusCode()).isEqualTo(200);
      assertThat(millis(t0)).as("DELETE: one publish").isGreaterThanOrEqualTo(52);
    }
  }

  @Test
  void publishesToOneDirectoryAreSerializedWhileUploadsRunInParallel() throws Exception {
    try (TahoeGatewayEmulator gw = TahoeGatewayEmulator.start(MODEL)) {
      String dir = gw.createDirectory();
      List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < 6; i++) {
        String path = "/uri/" + dir + "/n" + i;
        all.add(CompletableFuture.supplyAsync(() -> call(gw, "PUT", path, "x")));
      }
      all.forEach(f -> assertThat(f.join().statusCode()).isEqualTo(201));
      assertThat(millis(t0)).as("6 publishes of 50+ ms, one at a time").isGreaterThanOrEqualTo(300);

      // Uploads of 400 ms each, sent from 6 threads of their own (the common pool may have one thread on a
      // 2-core machine): in parallel they take about 400 ms, one at a time 2.4 s. The bound leaves 800 ms for a
      // loaded machine, so it fails only if the emulator serializes them.
      gw.setLatency(new LatencyModel(MODEL.mkdir(), MS.multipliedBy(400), MODEL.uploadPerMiB(), MODEL.dirWrite(),
          MODEL.dirWritePerEntry(), MODEL.relinkSameDir(), MODEL.download(), MODEL.downloadPerMiB(), MODEL.listing(),
          MODEL.head(), MODEL.check(), MODEL.other()));
      ExecutorService six = Executors.newFixedThreadPool(6);
      try {
        List<CompletableFuture<HttpResponse<byte[]>>> uploads = new ArrayList<>();
        long t1 = System.nanoTime();
        for (int i = 0; i < 6; i++) {
          String body = "unlinked upload number " + i + " long enough to be a CHK and not a LIT cap";
          uploads.add(CompletableFuture.supplyAsync(() -> call(gw, "PUT", "/uri", body), six));
        }
        uploads.forEach(f -> assertThat(f.join().statusCode()).isEqualTo(200));
        assertThat(millis(t1)).as("6 unlinked uploads of 400 ms in parallel").isLessThan(3 * 400);
      } finally {
        six.shutdown();
      }
    }
  }

  private static HttpResponse<byte[]> call(TahoeGatewayEmulator gw, String method, String path, String body) {
    try {
      return send(gw, method, path, body.getBytes());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void noneCostsNothingAndTheModelCanBeChangedWhileRunning() throws Exception {
    try (TahoeGatewayEmulator gw = TahoeGatewayEmulator.start()) {
      assertThat(gw.latency()).isEqualTo(LatencyModel.NONE);
      gw.setLatency(LatencyModel.TAHOE_1_17.scaled(2));
      assertThat(gw.latency().dirWrite()).isEqualTo(Duration.ofMillis(120));
      long t0 = System.nanoTime();
      send(gw, "POST", "/uri?t=mkdir", null);
      assertThat(millis(t0)).isGreaterThanOrEqualTo(316);
    }
  }

  @Test
  void malformedCapIs400UnknownUriTypeAsOnARealGateway() throws Exception {
    try (TahoeGatewayEmulator gw = TahoeGatewayEmulator.start()) {
      HttpResponse<byte[]> r = send(gw, "GET", "/uri/URI:CHK:notacap", null);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(new String(r.body())).contains("unknown URI type");
      assertThat(send(gw, "GET", "/uri/URI:DIR2:short?t=json", null).statusCode()).isEqualTo(400);
    }
  }
}
