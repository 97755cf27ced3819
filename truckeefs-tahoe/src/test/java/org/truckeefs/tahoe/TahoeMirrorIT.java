package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.testkit.tahoe.EmulatedEntry;
import org.truckeefs.testkit.tahoe.Fault;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** MIRROR on the emulator: browsable under rootcap, pending updates survive a restart, a relink crash is repaired. */
class TahoeMirrorIT {
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start();
  @TempDir Path tmp;

  @AfterEach
  void healGateway() {
    gw.clearFaults();
    gw.crashBetweenRelinkSteps(false);
  }

  @Test
  void aUserBrowsesTheNamespaceFromRootcap() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR");
    try (RiverFS fs = h.open()) {
      PathFileSystem p = new PathFileSystem(fs);
      p.mkdirs("/docs/2026");
      p.write("/docs/2026/report.txt", text("quarterly"));
      p.write("/big", new byte[600_000]);
      p.symlink("/docs/2026/report.txt", "/link");
      p.rename("/docs/2026", "/docs/archive");
    }
    String docs = child(h.rootcap, "docs").orElseThrow().cap();
    String archive = child(docs, "archive").orElseThrow().cap();
    EmulatedEntry report = child(archive, "report.txt").orElseThrow();
    assertThat(gw.contents(report.cap()).orElseThrow()).isEqualTo(text("quarterly"));
    assertThat(report.cap()).startsWith("URI:LIT:");
    EmulatedEntry big = child(h.rootcap, "big").orElseThrow();
    assertThat(big.cap()).as("one whole-file CHK cap, not chunks").startsWith("URI:CHK:");
    assertThat(big.size()).isEqualTo(600_000);
    assertThat(child(h.rootcap, "link")).as("symlinks are not mirrored").isEmpty();
    assertThat(MirrorCheck.actual(gw, h.rootcap)).isEqualTo(MirrorCheck.expected(h.meta, gw, 256 * 1024));
    assertThat(gw.requests()).as("never the replacing mkdir by name")
        .noneMatch(r -> r.args().getOrDefault("t", java.util.List.of()).contains("mkdir") && r.args().containsKey("name"));
  }

  @Test
  void pendingUpdatesAreJournaledAndAppliedAfterARestart() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR");
    try (RiverFS fs = h.open()) {
      new PathFileSystem(fs).write("/f", text("AAAA"));
    }
    assertThat(gw.contents(child(h.rootcap, "f").orElseThrow().cap()).orElseThrow()).isEqualTo(text("AAAA"));

    h.settings.put("mirror_close_timeout", "0s");
    gw.injectFaults("POST", 1_000_000, Fault.noServers()); // mkdir fails: the writer stalls on it, in order
    try (RiverFS fs = h.open()) {
      PathFileSystem p = new PathFileSystem(fs);
      p.mkdir("/d");
      p.write("/f", text("BBBB")); // same size: only the journal can tell the mirror it changed
    }
    assertThat(child(h.rootcap, "d")).isEmpty();
    assertThat(gw.contents(child(h.rootcap, "f").orElseThrow().cap()).orElseThrow()).isEqualTo(text("AAAA"));

    gw.clearFaults();
    h.settings.remove("mirror_close_timeout");
    try (RiverFS fs = h.open()) {
      assertThat(new PathFileSystem(fs).readAllBytes("/f")).isEqualTo(text("BBBB"));
    }
    assertThat(child(h.rootcap, "d")).map(EmulatedEntry::directory).contains(true);
    assertThat(gw.contents(child(h.rootcap, "f").orElseThrow().cap()).orElseThrow()).isEqualTo(text("BBBB"));
    assertThat(MirrorCheck.actual(gw, h.rootcap)).isEqualTo(MirrorCheck.expected(h.meta, gw, 256 * 1024));
  }

  @Test
  void aRelinkCrashBetweenItsTwoStepsIsRepaired() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR");
    try (RiverFS fs = h.open()) {
      PathFileSystem p = new PathFileSystem(fs);
      p.mkdir("/a");
      p.mkdir("/b");
      p.write("/a/file", text("hello"));
      TahoeRiverFs.await(Duration.ofSeconds(10), "the file mirrored", () -> child(h.rootcap, "a")
          .flatMap(a -> child(a.cap(), "file")).filter(f -> f.size() == 5).isPresent()
          && child(h.rootcap, "b").isPresent());
      String a = child(h.rootcap, "a").orElseThrow().cap();
      String b = child(h.rootcap, "b").orElseThrow().cap();
      gw.crashBetweenRelinkSteps(true);
      p.rename("/a/file", "/b/moved");
      TahoeRiverFs.await(Duration.ofSeconds(10), "a crashed relink leaving both names",
          () -> child(a, "file").isPresent() && child(b, "moved").isPresent());
      gw.crashBetweenRelinkSteps(false);
    }
    String a = child(h.rootcap, "a").orElseThrow().cap();
    String b = child(h.rootcap, "b").orElseThrow().cap();
    assertThat(child(a, "file")).isEmpty();
    assertThat(gw.contents(child(b, "moved").orElseThrow().cap()).orElseThrow()).isEqualTo(text("hello"));
    assertThat(MirrorCheck.actual(gw, h.rootcap)).isEqualTo(MirrorCheck.expected(h.meta, gw, 256 * 1024));
  }

  @Test
  void mirroredDirectoriesAndFilesHaveTheirLeasesRenewed() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR",
        "lease_renewal_interval", "100ms");
    try (RiverFS fs = h.open()) {
      PathFileSystem p = new PathFileSystem(fs);
      p.mkdir("/d");
      p.write("/d/f", new byte[100_000]);
      TahoeRiverFs.await(Duration.ofSeconds(10), "the mirror's directory and file renewed", () -> {
        Optional<EmulatedEntry> d = child(h.rootcap, "d");
        Optional<EmulatedEntry> f = d.flatMap(e -> child(e.cap(), "f")).filter(e -> e.size() == 100_000);
        return f.isPresent() && gw.leaseRenewals(d.get().cap()) > 0 && gw.leaseRenewals(f.get().cap()) > 0;
      });
    }
  }

  private static Optional<EmulatedEntry> child(String dircap, String name) {
    return gw.list(dircap).map(m -> m.get(name));
  }

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
