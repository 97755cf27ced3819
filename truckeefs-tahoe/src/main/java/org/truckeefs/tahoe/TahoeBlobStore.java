package org.truckeefs.tahoe;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.FileEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.NamespaceMirror;

/**
 * A {@link BlobStore} on a Tahoe-LAFS gateway's web API. Each blob is an unlinked immutable upload
 * ({@code PUT /uri}): a LIT cap for up to 55 bytes (the data is inside the cap, so reading it costs nothing), a
 * convergent CHK cap otherwise (identical bytes give the same cap, so re-uploads are cheap and the store
 * deduplicates). The {@link BlobRef} is the cap, a secret that this class never logs.
 *
 * <p>Reads are single-range GETs inside the blob (its size is in the cap), so the gateway's Range quirks (416 for
 * a closed range past the end, the whole body for an open one, an empty file ignoring Range) never arise.
 * {@link #release} does nothing on the grid: Tahoe frees space when leases expire, so a released blob is simply no
 * longer renewed ({@link #renewLease}); reference counts live in the metadata store.
 */
public final class TahoeBlobStore implements BlobStore {
  private static final Logger log = LoggerFactory.getLogger(TahoeBlobStore.class);
  /** Uploads up to this size are buffered in memory; larger ones are spooled to the data directory. */
  static final long MEMORY_UPLOAD_LIMIT = 64L << 20;

  private final TahoeConfig config;
  private final TahoeClient client;
  private final Path spoolDir;
  private final TahoeBackups backups;
  private final TahoeMirror mirror; // null for FLAT
  /** N/k of the last CHK upload: how much raw server space one byte of content takes. */
  private volatile double expansion = 1.0;
  /** Uploads above this many bytes are spooled to disk; a field so tests can exercise the spool path. */
  long memoryUploadLimit = MEMORY_UPLOAD_LIMIT;

  TahoeBlobStore(TahoeConfig config, BackendContext context) {
    this.config = config;
    this.client = new TahoeClient(config);
    this.spoolDir = context.dataDir().resolve("tahoe-spool");
    this.backups = new TahoeBackups(client, config.rootcap().value(), spoolDir, this);
    this.mirror = config.strategy() == StorageStrategy.MIRROR
        ? new TahoeMirror(client, config.rootcap().value()) : null;
  }

  TahoeConfig config() {
    return config;
  }

  TahoeClient client() {
    return client;
  }

  @Override
  public BlobRef put(ReadableByteChannel src, long size) throws FsException {
    if (size < 0) {
      throw new FsException(FsError.INVALID, "negative blob size " + size);
    }
    Path spool = null;
    try {
      Supplier<HttpEntity> entity;
      if (size <= memoryUploadLimit) {
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        readFully(src, buf, size);
        byte[] data = buf.array();
        entity = () -> new ByteArrayEntity(data, ContentType.APPLICATION_OCTET_STREAM);
      } else {
        Files.createDirectories(spoolDir);
        spool = Files.createTempFile(spoolDir, "upload-", ".tmp");
        try (FileChannel out = FileChannel.open(spool, StandardOpenOption.WRITE)) {
          long copied = 0;
          while (copied < size) {
            long n = out.transferFrom(src, copied, size - copied);
            if (n <= 0) {
              throw new FsException(FsError.IO, "blob source ended after " + copied + " of " + size + " bytes");
            }
            copied += n;
          }
        }
        Path file = spool;
        entity = () -> new FileEntity(file.toFile(), ContentType.APPLICATION_OCTET_STREAM);
      }
      // Idempotent: the same bytes always give the same cap, so a retry after a lost answer is harmless.
      String answer = client.execute("PUT", "/uri", entity, true, TahoeClient::text).strip();
      TahoeCap cap;
      try {
        cap = TahoeCap.parse(answer);
      } catch (FsException e) {
        throw new FsException(FsError.IO, "the Tahoe gateway answered PUT /uri with something that is not a cap");
      }
      if (!cap.isImmutableFile() || cap.size() != size) {
        throw new FsException(FsError.IO, "the Tahoe gateway answered PUT /uri of " + size + " bytes with " + cap);
      }
      int[] kn = cap.encoding();
      if (kn != null && kn[0] > 0) {
        expansion = (double) kn[1] / kn[0];
      }
      BlobRef ref = BlobRef.of(cap.value());
      log.debug("stored {} ({} bytes)", ref, size);
      return ref;
    } catch (FsException e) {
      throw e;
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot read the data to upload: " + e.getClass().getSimpleName());
    } finally {
      if (spool != null) {
        try {
          Files.deleteIfExists(spool);
        } catch (IOException e) {
          log.warn("cannot delete upload spool file {}: {}", spool.getFileName(), e.toString());
        }
      }
    }
  }

  private static void readFully(ReadableByteChannel src, ByteBuffer buf, long size) throws IOException {
    while (buf.hasRemaining()) {
      if (src.read(buf) < 0) {
        throw new FsException(FsError.IO, "blob source ended after " + buf.position() + " of " + size + " bytes");
      }
    }
  }

  @Override
  public int read(BlobRef ref, long offset, ByteBuffer dst) throws FsException {
    TahoeCap cap = fileCap(ref);
    if (offset < 0) {
      throw new FsException(FsError.INVALID, "negative read offset " + offset + " in " + ref);
    }
    long size = cap.size();
    if (offset >= size || !dst.hasRemaining()) {
      return 0;
    }
    int len = (int) Math.min(dst.remaining(), size - offset);
    if (cap.kind() == TahoeCap.Kind.LIT) {
      dst.put(cap.litData(), (int) offset, len);
      return len;
    }
    // A closed range wholly inside the blob: never past the end, so never a 416 or an ignored open range.
    String range = "bytes=" + offset + "-" + (offset + len - 1);
    byte[] data = client.execute("GET", TahoeClient.capPath(cap.value()), null, true,
        response -> readRange(response, ref, offset, len), "Range", range);
    dst.put(data);
    return len;
  }

  /** Reads the ranged answer into a fresh array, so a retried request never leaves half a read in the caller's buffer. */
  private static byte[] readRange(ClassicHttpResponse response, BlobRef ref, long offset, int len) throws IOException {
    long skip = 0;
    if (response.getCode() == 206) {
      Header cr = response.getFirstHeader("Content-Range");
      if (cr == null || !cr.getValue().startsWith("bytes " + offset + "-")) {
        throw new FsException(FsError.IO, "the Tahoe gateway answered a ranged read of " + ref
            + " with the wrong range");
      }
    } else {
      skip = offset; // the gateway ignored the Range header and sent the whole file
    }
    HttpEntity e = response.getEntity();
    if (e == null) {
      throw new FsException(FsError.IO, "the Tahoe gateway answered a read of " + ref + " with no body");
    }
    byte[] out = new byte[len];
    try (InputStream in = e.getContent()) {
      in.skipNBytes(skip);
      int n = in.readNBytes(out, 0, len);
      if (n != len) {
        throw new java.io.EOFException("short body: " + n + " of " + len + " bytes");
      }
    }
    return out;
  }

  @Override
  public long size(BlobRef ref) throws FsException {
    return fileCap(ref).size();
  }

  /** Nothing to do on the grid: space comes back when the blob's leases are no longer renewed and expire. */
  @Override
  public void release(BlobRef ref) {
    log.debug("released {} (its lease will no longer be renewed)", ref);
  }

  /** {@code POST /uri/$CAP?t=check&add-lease=true&output=JSON}; LIT blobs live in their cap and need no lease. */
  @Override
  public void renewLease(BlobRef ref) throws FsException {
    TahoeCap cap = fileCap(ref);
    if (cap.kind() == TahoeCap.Kind.LIT) {
      return;
    }
    JsonNode result = client.execute("POST", TahoeClient.capPath(cap.value()) + "?t=check&add-lease=true&output=JSON",
        null, true, TahoeClient::json);
    JsonNode recoverable = result.path("results").path("recoverable");
    if (recoverable.isBoolean() && !recoverable.asBoolean()) {
      throw new FsException(FsError.IO, "blob " + ref + " is unrecoverable: not enough shares on the grid");
    }
    if (!result.path("results").path("healthy").asBoolean(true)) {
      log.warn("blob {} is not healthy: {}", ref, Censor.text(result.path("summary").asText("")));
    }
  }

  @Override
  public Set<BlobCapability> capabilities() {
    EnumSet<BlobCapability> caps = EnumSet.of(BlobCapability.RANGE_READ, BlobCapability.DEDUPLICATING,
        BlobCapability.LEASES, BlobCapability.BACKUPS);
    if (mirror != null) {
      caps.add(BlobCapability.NAMESPACE_MIRROR);
    }
    return caps;
  }

  /** MIRROR: the directory tree under rootcap that core keeps in step with the namespace. */
  @Override
  public Optional<NamespaceMirror> namespaceMirror() {
    return Optional.ofNullable(mirror);
  }

  /** Uploaded as an immutable file and linked under rootcap as {@code .truckeefs/backups/<name>}. */
  @Override
  public void storeBackup(String name, ReadableByteChannel src, long size) throws FsException {
    backups.store(name, src, size);
  }

  @Override
  public List<String> listBackups() throws FsException {
    return backups.list();
  }

  @Override
  public InputStream openBackup(String name) throws FsException {
    return backups.open(name);
  }

  @Override
  public void deleteBackup(String name) throws FsException {
    backups.delete(name);
  }

  /** The connected servers' available space, divided by the encoding's expansion N/k; -1 when unknown. */
  @Override
  public long availableBytes() throws FsException {
    JsonNode status = client.execute("GET", "/?t=json", null, true, TahoeClient::json);
    long total = 0;
    boolean known = false;
    for (JsonNode s : status.path("servers")) {
      JsonNode space = s.path("available_space");
      if (space.canConvertToLong()) {
        total += space.asLong();
        known = true;
      }
    }
    return known ? (long) (total / expansion) : -1;
  }

  /**
   * Startup check for {@code test_integration}: the gateway answers, it is connected to at least one storage
   * server, and rootcap is a recoverable, writable directory. Fails with one line saying what to fix.
   */
  @Override
  public void checkIntegration() throws FsException {
    JsonNode status = client.execute("GET", "/?t=json", null, false, TahoeClient::json);
    int connected = 0;
    for (JsonNode s : status.path("servers")) {
      if (s.path("connection_status").asText("").startsWith("Connected")) {
        connected++;
      }
    }
    if (connected == 0) {
      throw new FsException(FsError.IO, "the Tahoe gateway at " + client.baseUrl()
          + " is connected to no storage server; check its introducer and the storage nodes");
    }
    JsonNode root;
    try {
      root = client.execute("GET", TahoeClient.capPath(config.rootcap().value()) + "?t=json", null, false,
          TahoeClient::json);
    } catch (FsException e) {
      throw new FsException(e.error(), "rootcap cannot be read through the Tahoe gateway at " + client.baseUrl()
          + (e.error() == FsError.IO ? " (unrecoverable: is it a directory of this grid?)" : "")
          + "; set rootcap to a directory cap from `tahoe mkdir`");
    }
    if (!"dirnode".equals(root.path(0).asText())) {
      throw new FsException(FsError.NOT_DIRECTORY, "rootcap is not a directory; set it to a URI:DIR2: cap");
    }
    if (!root.path(1).has("rw_uri")) {
      throw new FsException(FsError.READ_ONLY, "rootcap is a read-only directory cap; set it to a writable URI:DIR2: cap");
    }
  }

  private static TahoeCap fileCap(BlobRef ref) throws FsException {
    TahoeCap cap = TahoeCap.parse(ref.value());
    if (!cap.isImmutableFile()) {
      throw new FsException(FsError.INVALID, ref + " is not a Tahoe immutable file cap (" + cap.kind() + ")");
    }
    return cap;
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "TahoeBlobStore[" + client.baseUrl() + ", " + config.strategy() + "]";
  }
}
