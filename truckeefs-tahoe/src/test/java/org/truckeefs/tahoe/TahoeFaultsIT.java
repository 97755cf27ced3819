package org.truckeefs.tahoe;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.testkit.tahoe.Fault;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** Gateway faults: the right errno, retries only where safe, no corruption, and no cap in any log or message. */
class TahoeFaultsIT {
  private static final String ROOT =
      "URI:DIR2:aaaaaaaaaaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  private static ScheduledExecutorService scheduler;
  @TempDir Path dataDir;

  @BeforeAll
  static void startScheduler() {
    scheduler = TahoeStores.scheduler();
  }

  @AfterAll
  static void stopScheduler() {
    scheduler.shutdownNow();
  }

  private static FsError errno(ThrowingRunnable r) {
    try {
      r.run();
    } catch (FsException e) {
      return e.error();
    } catch (Exception e) {
      throw new AssertionError("expected an FsException, got " + e, e);
    }
    throw new AssertionError("expected an FsException");
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Nested
  class OnTheEmulator {
    TahoeGatewayEmulator gw;
    TahoeBlobStore store;

    @BeforeEach
    void start() throws Exception {
      gw = TahoeGatewayEmulator.start();
      store = TahoeStores.open(TahoeStores.settings(gw.url(), gw.createDirectory(), "net_timeout", "400ms"),
          dataDir, scheduler);
    }

    @AfterEach
    void stop() {
      store.close();
      gw.close();
    }

    private int requests(String method) {
      return (int) gw.requests().stream().filter(r -> r.method().equals(method)).count();
    }

    @Test
    void noServersOnPut_isRetried_thenSucceeds() throws Exception {
      gw.injectFaults("PUT", 2, Fault.noServers());
      byte[] data = TahoeBlobStoreIT.bytes(1000, 1);
      BlobRef ref = store.put(TahoeBlobStoreIT.channel(data), data.length);
      assertThat(requests("PUT")).isEqualTo(3);
      assertThat(gw.contents(ref.value())).hasValueSatisfying(c -> assertThat(c).isEqualTo(data));
    }

    @Test
    void noServersPersisting_isEio_afterBoundedRetries_andNothingStored() {
      gw.injectFaults("PUT", 100, Fault.noServers());
      int before = gw.uploadCount();
      assertThat(errno(() -> store.put(TahoeBlobStoreIT.channel(new byte[1000]), 1000))).isEqualTo(FsError.IO);
      assertThat(requests("PUT")).isEqualTo(TahoeConfig.DEFAULT_RETRIES + 1);
      assertThat(gw.uploadCount()).isEqualTo(before);
    }

    @Test
    void goneOnRead_isEio_notRetried() throws Exception {
      BlobRef ref = store.put(TahoeBlobStoreIT.channel(new byte[1000]), 1000);
      gw.clearRequests();
      gw.injectFaults("GET", 5, Fault.gone());
      assertThat(errno(() -> store.read(ref, 0, ByteBuffer.allocate(10)))).isEqualTo(FsError.IO);
      assertThat(requests("GET")).isEqualTo(1);
    }

    @Test
    void notWriteable_isErofs_notRetried() {
      gw.injectFaults("PUT", 5, Fault.traceback("allmydata.mutable.common.NotWriteableError", ""));
      assertThat(errno(() -> store.put(TahoeBlobStoreIT.channel(new byte[100]), 100))).isEqualTo(FsError.READ_ONLY);
      assertThat(requests("PUT")).isEqualTo(1);
    }

    @Test
    void droppedConnection_isRetried_forReads() throws Exception {
      byte[] data = TahoeBlobStoreIT.bytes(5000, 2);
      BlobRef ref = store.put(TahoeBlobStoreIT.channel(data), data.length);
      gw.injectFaults("GET", 2, Fault.dropConnection());
      ByteBuffer b = ByteBuffer.allocate(100);
      assertThat(store.read(ref, 100, b)).isEqualTo(100);
      assertThat(b.array()).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 200));
    }

    @Test
    void lostAnswerToAnUpload_retryConvergesOnTheSameCap() throws Exception {
      byte[] data = TahoeBlobStoreIT.bytes(5000, 3);
      gw.injectFaults("PUT", 1, Fault.dropAfterHandling());
      BlobRef ref = store.put(TahoeBlobStoreIT.channel(data), data.length);
      assertThat(gw.uploadCount()).isEqualTo(2);
      assertThat(gw.contents(ref.value())).hasValueSatisfying(c -> assertThat(c).isEqualTo(data));
    }

    @Test
    void slowButInTime_succeeds_tooSlow_isEioAfterRetries() throws Exception {
      byte[] data = TahoeBlobStoreIT.bytes(5000, 4);
      BlobRef ref = store.put(TahoeBlobStoreIT.channel(data), data.length);
      gw.injectFaults("GET", 1, Fault.delay(Duration.ofMillis(100)));
      assertThat(store.read(ref, 0, ByteBuffer.allocate(10))).isEqualTo(10);
      gw.clearRequests();
      gw.injectFaults("GET", 4, Fault.delay(Duration.ofMillis(1500)));
      FsException e = org.assertj.core.api.Assertions.catchThrowableOfType(FsException.class,
          () -> store.read(ref, 0, ByteBuffer.allocate(10)));
      assertThat(e.error()).isEqualTo(FsError.IO);
      assertThat(e.getMessage()).contains("did not answer").contains("net_timeout");
      // Each attempt consumed one delay rule (requests are recorded only when the late answer is sent).
      assertThat(gw.pendingFaults()).isZero();
    }

    @Test
    void capsNeverReachLogsOrMessages() throws Exception {
      List<String> messages = new ArrayList<>();
      try (LogCapture logs = new LogCapture()) {
        byte[] data = TahoeBlobStoreIT.bytes(5000, 5);
        BlobRef ref = store.put(TahoeBlobStoreIT.channel(data), data.length);
        store.read(ref, 10, ByteBuffer.allocate(100));
        store.renewLease(ref);
        gw.injectFaults("GET", 100, Fault.gone());
        messages.add(catchMessage(() -> store.read(ref, 0, ByteBuffer.allocate(10))));
        gw.clearFaults();
        gw.injectFaults("POST", 100, Fault.noServers());
        messages.add(catchMessage(() -> store.renewLease(ref)));
        gw.clearFaults();
        gw.injectFaults(null, 100, Fault.respond(404, "text/html",
            "<html><p>No such child: " + ref.value() + "</p></html>"));
        messages.add(catchMessage(() -> store.read(ref, 0, ByteBuffer.allocate(10))));
        gw.clearFaults();
        messages.add(catchMessage(() -> store.size(BlobRef.of("URI:DIR2:secretsecret:more"))));
        assertThat(logs.lines()).isNotEmpty().anySatisfy(l -> assertThat(l).contains("/uri/[CENSORED]"));
        assertThat(logs.lines()).noneSatisfy(l -> assertThat(l).contains("URI:"));
        messages.add(ref.toString());
        messages.add(store.toString());
      }
      assertThat(messages).hasSize(6).noneSatisfy(m -> assertThat(m).contains("URI:").contains("secret"));
      assertThat(messages).allSatisfy(m -> assertThat(m).doesNotContain("URI:").doesNotContain("\n"));
    }

    private String catchMessage(ThrowingRunnable r) {
      try {
        r.run();
      } catch (Exception e) {
        return e.getMessage();
      }
      throw new AssertionError("expected a failure");
    }
  }

  @Nested
  class OnWireMock {
    WireMockServer wm;
    TahoeBlobStore store;
    static final String CAP =
        "URI:CHK:aaaaaaaaaaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb:1:1:100";

    @BeforeEach
    void start() throws Exception {
      wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
      wm.start();
      store = TahoeStores.open(TahoeStores.settings("http://127.0.0.1:" + wm.port(), ROOT, "net_timeout", "300ms"),
          dataDir, scheduler);
    }

    @AfterEach
    void stop() {
      store.close();
      wm.stop();
    }

    @Test
    void connectionResetByPeer_isRetried_thenEio() {
      wm.stubFor(get(urlPathMatching("/uri/.*")).willReturn(aResponse().withFault(
          com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
      assertThat(errno(() -> store.read(BlobRef.of(CAP), 0, ByteBuffer.allocate(10)))).isEqualTo(FsError.IO);
      wm.verify(TahoeConfig.DEFAULT_RETRIES + 1, getRequestedFor(urlPathMatching("/uri/.*")));
    }

    @Test
    void resetThenAnswer_readsTheRightBytes() throws Exception {
      byte[] body = new byte[10];
      java.util.Arrays.fill(body, (byte) 7);
      wm.stubFor(get(urlPathMatching("/uri/.*")).inScenario("reset").whenScenarioStateIs(Scenario.STARTED)
          .willReturn(aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.MALFORMED_RESPONSE_CHUNK))
          .willSetStateTo("ok"));
      wm.stubFor(get(urlPathMatching("/uri/.*")).inScenario("reset").whenScenarioStateIs("ok")
          .willReturn(aResponse().withStatus(206).withHeader("Content-Range", "bytes 5-14/100").withBody(body)));
      ByteBuffer dst = ByteBuffer.allocate(10);
      assertThat(store.read(BlobRef.of(CAP), 5, dst)).isEqualTo(10);
      assertThat(dst.array()).isEqualTo(body);
      assertThat(dst.position()).isEqualTo(10);
    }

    @Test
    void timeout_isEio_afterRetries() {
      wm.stubFor(put(urlEqualTo("/uri")).willReturn(aResponse().withStatus(200).withBody(CAP)
          .withFixedDelay(1000)));
      assertThat(errno(() -> store.put(TahoeBlobStoreIT.channel(new byte[100]), 100))).isEqualTo(FsError.IO);
      wm.verify(TahoeConfig.DEFAULT_RETRIES + 1, putRequestedFor(urlEqualTo("/uri")));
    }

    @Test
    void noServersThenSuccess_putIsRetried_andEveryRequestSaysAcceptTextPlain() throws Exception {
      wm.stubFor(put(urlEqualTo("/uri")).inScenario("ns").whenScenarioStateIs(Scenario.STARTED)
          .willReturn(aResponse().withStatus(500).withBody(
              "Traceback (most recent call last):\nFailure: allmydata.interfaces.NoServersError: none\n"))
          .willSetStateTo("ok"));
      wm.stubFor(put(urlEqualTo("/uri")).inScenario("ns").whenScenarioStateIs("ok")
          .willReturn(aResponse().withStatus(200).withBody(CAP)));
      BlobRef ref = store.put(TahoeBlobStoreIT.channel(new byte[100]), 100);
      assertThat(ref.value()).isEqualTo(CAP);
      wm.verify(2, putRequestedFor(urlEqualTo("/uri"))
          .withHeader("Accept", com.github.tomakehurst.wiremock.client.WireMock.equalTo("text/plain")));
    }

    @Test
    void wrongAnswerToPut_isEio() {
      wm.stubFor(put(urlEqualTo("/uri")).willReturn(aResponse().withStatus(200).withBody("not a cap")));
      assertThat(errno(() -> store.put(TahoeBlobStoreIT.channel(new byte[100]), 100))).isEqualTo(FsError.IO);
    }

    @Test
    void authToken_isSentAsBearer() throws Exception {
      store.close();
      store = TahoeStores.open(TahoeStores.settings("http://127.0.0.1:" + wm.port(), ROOT, "auth_token", "s3cr3t"),
          dataDir, scheduler);
      wm.stubFor(put(urlEqualTo("/uri")).willReturn(aResponse().withStatus(200).withBody(CAP)));
      store.put(TahoeBlobStoreIT.channel(new byte[100]), 100);
      wm.verify(putRequestedFor(urlEqualTo("/uri"))
          .withHeader("Authorization", com.github.tomakehurst.wiremock.client.WireMock.equalTo("Bearer s3cr3t")));
    }
  }
}
