package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/** FLAT behaviour of the Tahoe store on the gateway emulator. */
class TahoeBlobStoreIT {
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start();
  @AutoClose("shutdownNow")
  private static final ScheduledExecutorService scheduler = TahoeStores.scheduler();
  @TempDir Path dataDir;
  private TahoeBlobStore store;
  private String rootcap;

  @BeforeEach
  void openStore() throws Exception {
    gw.clearFaults();
    rootcap = gw.createDirectory();
    store = TahoeStores.open(TahoeStores.settings(gw.url(), rootcap), dataDir, scheduler);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static ReadableByteChannel channel(byte[] data) {
    return Channels.newChannel(new java.io.ByteArrayInputStream(data));
  }

  private BlobRef put(byte[] data) throws FsException {
    return store.put(channel(data), data.length);
  }

  private byte[] readAll(BlobRef ref, int size) throws FsException {
    ByteBuffer buf = ByteBuffer.allocate(size + 10);
    int n = store.read(ref, 0, buf);
    assertThat(n).isEqualTo(size);
    return Arrays.copyOf(buf.array(), n);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 55, 56, 1000, 1 << 20})
  void put_thenRead_roundTrips(int size) throws Exception {
    byte[] data = bytes(size, size);
    BlobRef ref = put(data);
    assertThat(store.size(ref)).isEqualTo(size);
    assertThat(readAll(ref, size)).isEqualTo(data);
    assertThat(ref.value()).startsWith(size <= 55 ? "URI:LIT:" : "URI:CHK:");
    assertThat(gw.contents(ref.value())).hasValueSatisfying(c -> assertThat(c).isEqualTo(data));
  }

  @Test
  void read_atOffsets_neverPastTheEnd() throws Exception {
    byte[] data = bytes(10_000, 3);
    BlobRef ref = put(data);
    gw.clearRequests();
    ByteBuffer small = ByteBuffer.allocate(100);
    assertThat(store.read(ref, 4_000, small)).isEqualTo(100);
    assertThat(small.array()).isEqualTo(Arrays.copyOfRange(data, 4_000, 4_100));
    ByteBuffer tail = ByteBuffer.allocate(500);
    assertThat(store.read(ref, 9_800, tail)).isEqualTo(200);
    assertThat(Arrays.copyOf(tail.array(), 200)).isEqualTo(Arrays.copyOfRange(data, 9_800, 10_000));
    assertThat(store.read(ref, 10_000, ByteBuffer.allocate(10))).isZero();
    assertThat(store.read(ref, 99_999, ByteBuffer.allocate(10))).isZero();
    assertThat(gw.requests()).hasSize(2).allSatisfy(r -> assertThat(r.status()).isEqualTo(206));
  }

  @Test
  void read_ofEmptyAndLitBlobs_needsNoRequest() throws Exception {
    BlobRef empty = put(new byte[0]);
    BlobRef lit = put(bytes(40, 1));
    gw.clearRequests();
    assertThat(store.read(empty, 0, ByteBuffer.allocate(10))).isZero();
    ByteBuffer b = ByteBuffer.allocate(10);
    assertThat(store.read(lit, 30, b)).isEqualTo(10);
    assertThat(b.array()).isEqualTo(Arrays.copyOfRange(bytes(40, 1), 30, 40));
    assertThat(store.size(lit)).isEqualTo(40);
    assertThat(gw.requests()).isEmpty();
  }

  @Test
  void sameContent_sameRef_dedup() throws Exception {
    byte[] data = bytes(5000, 9);
    assertThat(put(data)).isEqualTo(put(data));
    assertThat(put(bytes(5000, 10))).isNotEqualTo(put(data));
    assertThat(store.capabilities()).contains(BlobCapability.RANGE_READ, BlobCapability.DEDUPLICATING,
        BlobCapability.LEASES);
  }

  @Test
  void largeUpload_isSpooledToDisk_andCleanedUp() throws Exception {
    store.memoryUploadLimit = 1000;
    byte[] data = bytes(5000, 11);
    BlobRef ref = put(data);
    assertThat(readAll(ref, 5000)).isEqualTo(data);
    try (var files = java.nio.file.Files.list(dataDir.resolve("tahoe-spool"))) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void shortSource_isEio_andNothingIsUploaded() {
    int before = gw.uploadCount();
    assertThatThrownBy(() -> store.put(channel(new byte[10]), 20))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO));
    assertThat(gw.uploadCount()).isEqualTo(before);
  }

  @Test
  void renewLease_isACheckWithAddLease_observedOnTheGateway() throws Exception {
    BlobRef ref = put(bytes(1000, 5));
    store.renewLease(ref);
    store.renewLease(ref);
    assertThat(gw.leaseRenewals(ref.value())).isEqualTo(2);
    assertThat(gw.requests()).last().satisfies(r -> {
      assertThat(r.method()).isEqualTo("POST");
      assertThat(r.arg("t")).isEqualTo("check");
      assertThat(r.arg("add-lease")).isEqualTo("true");
      assertThat(r.arg("output")).isEqualTo("JSON");
    });
    gw.clearRequests();
    store.renewLease(put(bytes(10, 5)));
    assertThat(gw.requests()).extracting(r -> r.method()).containsOnly("PUT");
  }

  @Test
  void renewLease_ofAnUnrecoverableBlob_isEio() throws Exception {
    BlobRef ref = put(bytes(1000, 6));
    gw.makeUnrecoverable(ref.value());
    try {
      assertThatThrownBy(() -> store.renewLease(ref))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO));
    } finally {
      gw.makeAllRecoverable();
    }
  }

  @Test
  void release_isANoOp_andIdempotent() throws Exception {
    BlobRef ref = put(bytes(1000, 7));
    gw.clearRequests();
    store.release(ref);
    store.release(ref);
    assertThat(gw.requests()).isEmpty();
    assertThat(readAll(ref, 1000)).isEqualTo(bytes(1000, 7));
  }

  @Test
  void availableBytes_fromNodeStatus() throws Exception {
    gw.setAvailableSpace(5_000_000_000L);
    assertThat(store.availableBytes()).isEqualTo(5_000_000_000L);
  }

  @Test
  void notAFileCap_isEinval_withoutTheCap() {
    BlobRef dir = BlobRef.of(rootcap);
    assertThatThrownBy(() -> store.size(dir))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.INVALID))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("URI:"));
  }

  @Test
  void checkIntegration_passesOnAWritableRoot() throws Exception {
    store.checkIntegration();
  }

  @Test
  void checkIntegration_unreachableGateway_isOneLine() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port;
    try (TahoeBlobStore down = TahoeStores.open(TahoeStores.settings(url, rootcap), dataDir, scheduler)) {
      assertThatThrownBy(down::checkIntegration).isInstanceOf(FsException.class).hasMessage("EIO: cannot reach the"
          + " Tahoe gateway at " + url + ": connection refused; is `tahoe run` running? set tahoe_url");
    }
  }

  @Test
  void checkIntegration_rootcapNotOnTheGrid_isOneLine() throws Exception {
    String foreign = "URI:DIR2:aaaaaaaaaaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    try (TahoeBlobStore s = TahoeStores.open(TahoeStores.settings(gw.url(), foreign), dataDir, scheduler)) {
      assertThatThrownBy(s::checkIntegration).isInstanceOf(FsException.class)
          .hasMessageContaining("rootcap cannot be read")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("URI:").doesNotContain("\n"));
    }
  }

  @Test
  void toString_hidesTheRootcap() {
    assertThat(store.toString()).doesNotContain("URI:").contains(gw.url());
  }
}
