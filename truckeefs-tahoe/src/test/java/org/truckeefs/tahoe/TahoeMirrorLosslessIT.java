package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.LocalCoordinator;
import org.truckeefs.core.RiverFS;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.Lease;
import org.truckeefs.testkit.BlockingCall;
import org.truckeefs.testkit.tahoe.EmulatedEntry;
import org.truckeefs.testkit.tahoe.Fault;
import org.truckeefs.testkit.tahoe.LatencyModel;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * MIRROR never loses an update: an op cut off at close stays journaled, the start walk compares content identity
 * (not size) and names NFC-normalized as Tahoe does; same-size overwrites, truncate-then-write and a non-NFC name
 * survive three restarts with the mirror equal to the namespace.
 */
class TahoeMirrorLosslessIT {
  private static final int CHUNK = 256 * 1024;
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start(LatencyModel.TAHOE_1_17);
  @TempDir Path tmp;

  @AfterEach
  void heal() {
    gw.clearFaults();
  }

  @Test
  void anUpdateCutOffAtCloseIsAppliedAtTheNextStart() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR");
    byte[] v1 = bytes(3 * CHUNK, 1);
    byte[] v2 = bytes(3 * CHUNK, 2);
    try (RiverFS fs = h.open()) {
      new PathFileSystem(fs).write("/f", v1);
    }
    assertThat(contents(h, "f")).isEqualTo(v1);

    h.settings.put("mirror_close_timeout", "0s");
    gw.injectFaults("PUT", 1_000, Fault.delay(Duration.ofSeconds(2))); // the whole-file upload is in flight at close
    try (RiverFS fs = h.open()) {
      PathFileSystem p = new PathFileSystem(fs);
      p.write("/f", v2); // same size
      fs.syncAll();
    }
    gw.clearFaults();
    assertThat(contents(h, "f")).as("cut off at close").isEqualTo(v1);

    h.settings.remove("mirror_close_timeout");
    try (RiverFS fs = h.open()) {
      assertThat(new PathFileSystem(fs).readAllBytes("/f")).isEqualTo(v2);
    }
    assertThat(contents(h, "f")).as("applied at the next start").isEqualTo(v2);
    assertThat(MirrorCheck.actual(gw, h.rootcap)).isEqualTo(MirrorCheck.expected(h.meta, gw, CHUNK));
  }

  @Test
  void aSameSizeChangeWhoseOpWasLostIsFoundByTheStartWalk() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR");
    byte[] v1 = bytes(3 * CHUNK, 3);
    byte[] v2 = bytes(3 * CHUNK, 4);
    try (RiverFS fs = h.open()) {
      new PathFileSystem(fs).write("/f", v1);
    }
    h.settings.put("mirror_close_timeout", "0s");
    gw.injectFaults("PUT", 1_000_000, Fault.noServers());
    try (RiverFS fs = h.open()) {
      new PathFileSystem(fs).write("/f", v2);
      // Only the chunk uploads are PUTs that must pass for the data to be committed: let them through once.
      gw.clearFaults();
      fs.syncAll();
      gw.injectFaults("PUT", 1_000_000, Fault.noServers());
    }
    gw.clearFaults();
    // A crash between the change and its journal entry: the op is gone, only the walk can find the change.
    String host = Files.readString(h.dir.resolve("cache").resolve("host-id")).trim();
    for (JournalEntry e : h.meta.journal("mirror:" + host)) {
      h.meta.journalRemove(e.id());
    }
    assertThat(contents(h, "f")).isEqualTo(v1);
    h.settings.remove("mirror_close_timeout");
    try (RiverFS fs = h.open()) {
      assertThat(new PathFileSystem(fs).readAllBytes("/f")).isEqualTo(v2);
    }
    assertThat(contents(h, "f")).as("same size, other content: repaired").isEqualTo(v2);
  }

  @Test
  void overwritesTruncationAndANonNfcNameSurviveThreeRestarts() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR");
    String nfd = Normalizer.normalize("caf\u00e9", Normalizer.Form.NFD);
    String nfc = Normalizer.normalize(nfd, Normalizer.Form.NFC);
    for (int round = 0; round < 3; round++) {
      try (RiverFS fs = h.open()) {
        PathFileSystem p = new PathFileSystem(fs);
        p.write("/same", bytes(2 * CHUNK + 7, 10 + round)); // same size each round
        p.write("/small", bytes(100, 20 + round));
        p.write("/truncated", new byte[0]); // truncate first, then write, as cp does
        p.write("/truncated", bytes(CHUNK + 1, 30 + round));
        p.write("/" + nfd, bytes(500, 40 + round));
      }
      assertThat(MirrorCheck.actual(gw, h.rootcap)).as("round %d", round)
          .isEqualTo(MirrorCheck.expected(h.meta, gw, CHUNK));
      assertThat(gw.list(h.rootcap).orElseThrow()).as("the NFD name is held once, as NFC").containsKey(nfc)
          .doesNotContainKey(nfd.equals(nfc) ? "-" : nfd);
    }
    // A start with no change: nothing in the mirror moves (no flip-flop of the non-NFC name).
    gw.clearRequests();
    try (RiverFS fs = h.open()) {
      assertThat(new PathFileSystem(fs).readAllBytes("/" + nfd)).isEqualTo(bytes(500, 42));
    }
    assertThat(gw.requests()).as("no directory write at a start with nothing to repair")
        .noneMatch(r -> r.method().equals("DELETE") || (r.method().equals("PUT") && !r.rawPath().equals("/uri")));
    assertThat(MirrorCheck.actual(gw, h.rootcap)).isEqualTo(MirrorCheck.expected(h.meta, gw, CHUNK));
  }

  @Test
  void theMirrorWritesOnlyUnderItsCoordinatorLock() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR", "coordinator_uri", "testcoord:");
    // The key names a hash of rootcap, never the cap: another host (here the test) takes the same lock.
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(h.rootcap.getBytes(StandardCharsets.UTF_8));
    String key = "mirror:" + HexFormat.of().formatHex(digest, 0, 16);
    LocalCoordinator coordinator =
        new LocalCoordinator(TahoeStores.context(tmp.resolve("coord"), TahoeStores.scheduler()));
    BlockingCall mirrorTakingTheLock = new BlockingCall();
    h.coordinator = (Coordinator) Proxy.newProxyInstance(Coordinator.class.getClassLoader(),
        new Class<?>[] {Coordinator.class}, (proxy, method, args) -> {
          try {
            return method.getName().equals("writeLock") && key.equals(args[0])
                ? mirrorTakingTheLock.call(() -> method.invoke(coordinator, args))
                : method.invoke(coordinator, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (RiverFS fs = h.open()) {
      Lease other = coordinator.writeLock(key, Duration.ofSeconds(5));
      new PathFileSystem(fs).write("/f", bytes(100, 5));
      // A negative check: nothing may happen while the other writer holds the lock. Once the mirror's writer waits
      // for it, the file is not in Tahoe.
      TahoeRiverFs.await(Duration.ofSeconds(10), "the mirror waits for the lock", mirrorTakingTheLock::isBlocked);
      assertThat(gw.list(h.rootcap).orElseThrow()).doesNotContainKey("f");
      other.close();
      TahoeRiverFs.await(Duration.ofSeconds(10), "the file mirrored once the lock is free",
          () -> gw.list(h.rootcap).orElseThrow().containsKey("f"));
    }
  }

  /** The truckeefs.mirror.lag gauge (issue 13): the age of the oldest update the mirror has not applied yet. */
  @Test
  void theMirrorLagGauge_growsWhileAnUpdateWaits_andFallsToZeroOnceApplied() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR");
    try (RiverFS fs = h.open()) {
      io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
          new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      org.truckeefs.core.RiverFsMetrics.of(fs).bindTo(registry);
      io.micrometer.core.instrument.Gauge lag = registry.get("truckeefs.mirror.lag").gauge();
      assertThat(lag.value()).as("nothing to mirror yet").isZero();

      gw.injectFaults("PUT", 1_000, Fault.delay(Duration.ofSeconds(2))); // the gateway is slow to take the file
      new PathFileSystem(fs).write("/lagging", bytes(3 * CHUNK, 9));
      TahoeRiverFs.await(Duration.ofSeconds(20), "the lag grows while the update waits", () -> lag.value() >= 0.5);
      gw.clearFaults();
      fs.syncAll(); // the content's mirror op is queued once its upload commits: the gauge measures the queue
      TahoeRiverFs.await(Duration.ofSeconds(60), "the lag is 0 once the update is applied", () -> lag.value() == 0);
      assertThat(contents(h, "lagging")).isEqualTo(bytes(3 * CHUNK, 9));
    }
  }

  private static byte[] contents(TahoeRiverFs h, String name) {
    Optional<EmulatedEntry> e = gw.list(h.rootcap).map(m -> m.get(name));
    return e.flatMap(x -> gw.contents(x.cap())).orElse(null);
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }
}
