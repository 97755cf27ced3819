package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.Caller;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * Benchmark (not a timed test, not run by the build): RiverFS on the Tahoe store against bare HTTP calls to the
 * same gateway emulator, in one run. Run with
 * {@code ./mvnw -o -pl truckeefs-tahoe -am verify -Dtest=TahoeBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}
 * or its {@link #main}. Prints a Markdown table.
 */
public final class TahoeBenchmark {
  private static final int MIB = 1 << 20;
  private static final int ROUNDS = 3;
  private static final int READ_SAMPLES = 15;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  public static void main(String[] args) throws Exception {
    for (String line : run()) {
      System.out.println(line);
    }
  }

  @Test
  void benchmark() throws Exception {
    List<String> table = run();
    table.forEach(System.out::println);
    assertThat(table).hasSizeGreaterThan(2);
  }

  static List<String> run() throws Exception {
    Path tmp = Files.createTempDirectory("tahoe-bench");
    List<String> out = new ArrayList<>();
    out.add("| measurement | RiverFS on Tahoe (emulator) | bare HTTP | ratio | target |");
    out.add("|---|---|---|---|---|");
    try (TahoeGatewayEmulator gw = TahoeGatewayEmulator.start()) {
      TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "chunk_size", "4M", "max_connections", "10");
      Random rnd = new Random(42);

      // 1. 64 MiB write: create, write, fsync, close vs one PUT /uri of the same size.
      long[] fsWrite = new long[ROUNDS];
      long[] bareWrite = new long[ROUNDS];
      try (RiverFS fs = h.open()) {
        for (int r = 0; r < ROUNDS; r++) {
          byte[] data = random(rnd, 64 * MIB);
          long t0 = System.nanoTime();
          OpenResult o = fs.create(Caller.ROOT, fs.root(), Name.of("big" + r), 0644, OpenFlags.of(OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_TRUNC));
          for (int off = 0; off < data.length; off += MIB) {
            fs.write(o.handle(), off, ByteBuffer.wrap(data, off, MIB));
          }
          fs.fsync(o.handle(), false);
          fs.release(o.handle());
          fsWrite[r] = System.nanoTime() - t0;
          byte[] other = random(rnd, 64 * MIB);
          t0 = System.nanoTime();
          put(gw, other);
          bareWrite[r] = System.nanoTime() - t0;
        }
      }
      out.add(row("write 64 MiB (create+write+fsync+close) vs PUT /uri", median(fsWrite), median(bareWrite),
          "<= 1.2x"));

      // 2. 4 KiB read at a random offset of a 100 MiB file, cold cache, vs a ranged GET of a 100 MiB CHK.
      byte[] hundred = random(rnd, 100 * MIB);
      try (RiverFS fs = h.open()) {
        new PathFileSystem(fs).write("/hundred", hundred);
        fs.syncAll();
      }
      String cap = put(gw, hundred);
      long[] fsRead = new long[READ_SAMPLES];
      long[] bareRead = new long[READ_SAMPLES];
      long[] warmRead = new long[READ_SAMPLES];
      for (int i = 0; i < READ_SAMPLES; i++) {
        long off = (long) (rnd.nextDouble() * (100 * MIB - 4096));
        try (RiverFS fs = h.openWithEmptyCache("read" + i)) {
          InodeId id = new PathFileSystem(fs).stat("/hundred").id();
          OpenResult o = fs.open(Caller.ROOT, id, OpenFlags.READ);
          ByteBuffer buf = ByteBuffer.allocate(4096);
          long t0 = System.nanoTime();
          fs.read(o.handle(), off, buf);
          fsRead[i] = System.nanoTime() - t0;
          if (!Arrays.equals(Arrays.copyOf(buf.array(), 4096), Arrays.copyOfRange(hundred, (int) off, (int) off + 4096))) {
            throw new AssertionError("read returned the wrong bytes");
          }
          ByteBuffer again = ByteBuffer.allocate(4096);
          t0 = System.nanoTime();
          fs.read(o.handle(), off + 4096 < 100 * MIB - 4096 ? off + 4096 : off, again);
          warmRead[i] = System.nanoTime() - t0;
          fs.release(o.handle());
        }
        long t0 = System.nanoTime();
        rangedGet(gw, cap, off, 4096);
        bareRead[i] = System.nanoTime() - t0;
      }
      out.add(row("4 KiB read at a random offset of 100 MiB, cold cache, vs ranged GET", median(fsRead),
          median(bareRead), "<= 2x"));
      out.add(row("next 4 KiB read on the same handle vs ranged GET", median(warmRead), median(bareRead), "-"));

      // 3. 1,000 files of 4 KiB created and closed, FLAT vs MIRROR; then until all are uploaded, and until the
      // mirror under rootcap has caught up (close waits for it).
      // Each twice, alternating, and the second pair reported: the first pays for JIT warm-up.
      TahoeRiverFs m = null;
      long[] flat = null;
      long[] mirror = null;
      for (int round = 0; round < 2; round++) {
        TahoeRiverFs f = new TahoeRiverFs(gw, tmp.resolve("flat" + round), "chunk_size", "4M", "max_connections",
            "10");
        flat = smallFiles(f, rnd);
        m = new TahoeRiverFs(gw, tmp.resolve("mirror" + round), "chunk_size", "4M", "max_connections", "10",
            "backend_storage_strategy", "MIRROR");
        mirror = smallFiles(m, rnd);
      }
      int mirrored = gw.list(gw.list(m.rootcap).orElseThrow().get("small").cap()).orElseThrow().size();
      if (mirrored != 1000) {
        throw new AssertionError("the mirror holds " + mirrored + " of 1000 files");
      }
      out.add("| 1,000 x 4 KiB files created+closed | MIRROR " + ms(mirror[0]) + " (" + perSec(1000, mirror[0])
          + " files/s) | FLAT " + ms(flat[0]) + " (" + perSec(1000, flat[0]) + " files/s) | "
          + String.format("%.2fx", (double) mirror[0] / flat[0]) + " | - |");
      out.add("| ... until all are uploaded (syncAll) | MIRROR " + ms(mirror[1]) + " | FLAT " + ms(flat[1]) + " | "
          + String.format("%.2fx", (double) mirror[1] / flat[1]) + " | - |");
      out.add("| ... until closed (MIRROR: the mirror under rootcap caught up) | MIRROR " + ms(mirror[2]) + " | FLAT "
          + ms(flat[2]) + " | " + String.format("%.2fx", (double) mirror[2] / flat[2]) + " | - |");
    } finally {
      deleteTree(tmp);
    }
    return out;
  }

  /** Create+close of 1,000 4 KiB files in /small: nanos until all closed, all uploaded, the filesystem closed. */
  private static long[] smallFiles(TahoeRiverFs h, Random rnd) throws Exception {
    long[] t = new long[3];
    RiverFS fs = h.open();
    try {
      InodeId dir = fs.mkdir(Caller.ROOT, fs.root(), Name.of("small"), 0755).id();
      byte[] four = random(rnd, 4096);
      long t0 = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        four[0] = (byte) i;
        four[1] = (byte) (i >> 8);
        OpenResult o = fs.create(Caller.ROOT, dir, Name.of("f" + i), 0644,
            OpenFlags.of(OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_TRUNC));
        fs.write(o.handle(), 0, ByteBuffer.wrap(four));
        fs.release(o.handle());
      }
      t[0] = System.nanoTime() - t0;
      fs.syncAll();
      t[1] = System.nanoTime() - t0;
      fs.close();
      t[2] = System.nanoTime() - t0;
    } finally {
      fs.close();
    }
    return t;
  }

  private static String put(TahoeGatewayEmulator gw, byte[] data) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw.url() + "/uri"))
        .timeout(Duration.ofMinutes(2)).PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("PUT failed: " + r.statusCode());
    }
    return r.body();
  }

  private static void rangedGet(TahoeGatewayEmulator gw, String cap, long off, int len) throws Exception {
    HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw.url() + "/uri/" + cap))
        .header("Range", "bytes=" + off + "-" + (off + len - 1)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 206 || r.body().length != len) {
      throw new IllegalStateException("ranged GET failed: " + r.statusCode());
    }
  }

  private static byte[] random(Random rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  private static long median(long[] v) {
    long[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  private static String row(String what, long fs, long bare, String target) {
    return "| " + what + " | " + ms(fs) + " | " + ms(bare) + " | " + String.format("%.2fx", (double) fs / bare)
        + " | " + target + " |";
  }

  private static String ms(long nanos) {
    return String.format("%.2f ms", nanos / 1e6);
  }

  private static String perSec(int n, long nanos) {
    return String.format("%.0f", n / (nanos / 1e9));
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
