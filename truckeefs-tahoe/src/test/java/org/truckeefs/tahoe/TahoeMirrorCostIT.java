package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.Caller;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.testkit.tahoe.EmulatedEntry;
import org.truckeefs.testkit.tahoe.LatencyModel;
import org.truckeefs.testkit.tahoe.RecordedRequest;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * What MIRROR and reads cost in requests, on an emulator that answers with a real gateway's latency: the request
 * counts pin the design (a one-chunk file is linked by its chunk's cap, an N-chunk file reads each chunk once, a
 * cold 4 KiB read is one ranged GET) and the lag from close to a complete file under rootcap stays in bounds.
 */
class TahoeMirrorCostIT {
  private static final int CHUNK = 256 * 1024;
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start(LatencyModel.TAHOE_1_17);
  @TempDir Path tmp;

  @BeforeEach
  void clear() {
    gw.clearRequests();
  }

  private static List<RecordedRequest> fileGets() {
    return gw.requests().stream().filter(r -> r.method().equals("GET"))
        .filter(r -> r.rawPath().startsWith("/uri/URI:CHK:") || r.rawPath().startsWith("/uri/URI%3ACHK%3A"))
        .toList();
  }

  private static long unlinkedPuts() {
    return gw.requests().stream().filter(r -> r.method().equals("PUT") && r.rawPath().equals("/uri")).count();
  }

  @Test
  void aFileOfOneChunkIsLinkedByTheChunksCapWithNoReadAndNoSecondUpload() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR");
    byte[] data = random(200_000, 1);
    InodeId id;
    try (RiverFS fs = h.open()) {
      PathFileSystem p = new PathFileSystem(fs);
      p.write("/one", data);
      id = p.stat("/one").id();
    }
    EmulatedEntry e = child(h.rootcap, "one").orElseThrow();
    List<ChunkRef> chunks = h.meta.chunks(id);
    assertThat(chunks).hasSize(1);
    assertThat(e.cap()).isEqualTo(chunks.get(0).blob().value());
    assertThat(gw.contents(e.cap()).orElseThrow()).isEqualTo(data);
    assertThat(fileGets()).as("no GET at all").isEmpty();
    assertThat(unlinkedPuts()).as("the chunk's own upload only").isEqualTo(1);
  }

  @Test
  void aFileOfNChunksReadsEachChunkOnceIntoOneUpload() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR");
    byte[] data = random(4 * CHUNK + 1000, 2);
    InodeId id;
    try (RiverFS fs = h.open()) {
      PathFileSystem p = new PathFileSystem(fs);
      p.write("/five", data);
      id = p.stat("/five").id();
    }
    EmulatedEntry e = child(h.rootcap, "five").orElseThrow();
    assertThat(gw.contents(e.cap()).orElseThrow()).isEqualTo(data);
    List<ChunkRef> chunks = h.meta.chunks(id);
    assertThat(chunks).hasSize(5);
    Map<String, Long> perPath = fileGets().stream()
        .collect(Collectors.groupingBy(RecordedRequest::rawPath, Collectors.counting()));
    assertThat(perPath).as("one GET per chunk").hasSize(5).allSatisfy((path, n) -> assertThat(n).isEqualTo(1));
    assertThat(chunks).allSatisfy(c -> assertThat(perPath).containsKey("/uri/" + c.blob().value()));
    assertThat(unlinkedPuts()).as("5 chunks and one whole file").isEqualTo(6);
  }

  @Test
  void aCold4KiBReadIsOneRangedGet() throws Exception {
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp);
    byte[] data = random(3 * CHUNK, 3);
    try (RiverFS fs = h.open()) {
      new PathFileSystem(fs).write("/f", data);
      fs.syncAll();
    }
    try (RiverFS fs = h.openWithEmptyCache("cold")) {
      InodeId id = new PathFileSystem(fs).stat("/f").id();
      OpenResult o = fs.open(Caller.ROOT, id, OpenFlags.READ);
      gw.clearRequests();
      ByteBuffer buf = ByteBuffer.allocate(4096);
      fs.read(o.handle(), CHUNK + 5000, buf);
      fs.release(o.handle());
      assertThat(buf.array()).isEqualTo(java.util.Arrays.copyOfRange(data, CHUNK + 5000, CHUNK + 5000 + 4096));
    }
    assertThat(fileGets()).hasSize(1);
  }

  @Test
  void a4MiBFileIsCompleteUnderRootcapWithin3BarePutsOfClose() throws Exception {
    byte[] data = random(4 << 20, 4);
    long bare = barePut(random(4 << 20, 5));
    TahoeRiverFs h = new TahoeRiverFs(gw, tmp, "backend_storage_strategy", "MIRROR", "chunk_size", "1M");
    try (RiverFS fs = h.open()) {
      new PathFileSystem(fs).write("/four", data);
      long closed = System.nanoTime();
      TahoeRiverFs.await(Duration.ofSeconds(60), "the file under rootcap",
          () -> child(h.rootcap, "four").filter(e -> e.size() == data.length).isPresent());
      long lag = System.nanoTime() - closed;
      assertThat(gw.contents(child(h.rootcap, "four").orElseThrow().cap()).orElseThrow()).isEqualTo(data);
      assertThat(Duration.ofNanos(lag)).as("lag from close; a bare PUT took %d ms", bare / 1_000_000)
          .isLessThanOrEqualTo(Duration.ofNanos(Math.max(Duration.ofSeconds(2).toNanos(), 3 * bare)));
    }
  }

  private static long barePut(byte[] data) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long t0 = System.nanoTime();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gw.url() + "/uri"))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return System.nanoTime() - t0;
  }

  private static Optional<EmulatedEntry> child(String dircap, String name) {
    return gw.list(dircap).map(m -> m.get(name));
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
