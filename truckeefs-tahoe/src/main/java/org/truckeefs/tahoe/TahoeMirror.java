package org.truckeefs.tahoe;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.NamespaceMirror;

/**
 * The MIRROR strategy's directory tree under rootcap, one web-API request per step (docs/tahoe-webapi.md 2.2):
 * mkdir by path (#6, never the replacing mkdir by name), attach a cap with {@code t=uri&replace=true} (#13),
 * DELETE (#15), {@code t=relink} with {@code replace} explicit (#16), and a whole-file CHK upload (#1) streamed from
 * the file's chunks. Core calls it from one writer thread, so no two writers race on a Tahoe directory.
 *
 * <p>{@code .truckeefs} at the root holds the metadata backups: the mirror neither lists nor touches that name.
 */
final class TahoeMirror implements NamespaceMirror {
  private final TahoeClient client;
  private final String rootcap;
  private final BlobStore blobs;

  TahoeMirror(TahoeClient client, String rootcap, BlobStore blobs) {
    this.client = client;
    this.rootcap = rootcap;
    this.blobs = blobs;
  }

  @Override
  public String root() {
    return rootcap;
  }

  private boolean reserved(String dir, String name) {
    return dir.equals(rootcap) && name.equals(TahoeBackups.DIR);
  }

  @Override
  public Map<String, Child> list(String dir) throws FsException {
    JsonNode json = client.execute("GET", TahoeClient.capPath(dir) + "?t=json", null, true, TahoeClient::json);
    Map<String, Child> out = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = json.path(1).path("children").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (reserved(dir, e.getKey())) {
        continue;
      }
      String type = e.getValue().path(0).asText();
      JsonNode info = e.getValue().path(1);
      if (type.equals("dirnode")) {
        out.put(e.getKey(), new Child(true, info.path("rw_uri").asText(info.path("ro_uri").asText()), -1));
      } else if (type.equals("filenode")) {
        out.put(e.getKey(), new Child(false, info.path("ro_uri").asText(), info.path("size").asLong(-1)));
      }
    }
    return out;
  }

  @Override
  public String mkdir(String dir, String name) throws FsException {
    if (reserved(dir, name)) {
      throw new FsException(FsError.INVALID, "the name " + TahoeBackups.DIR + " at the root is kept for backups");
    }
    // mkdir by path: an existing directory is returned unchanged, so a retry is harmless.
    String cap = client.execute("POST", TahoeClient.capPath(dir, name) + "?t=mkdir", null, true,
        TahoeClient::text).strip();
    if (!TahoeCap.parse(cap).isWritableDirectory()) {
      throw new FsException(FsError.IO, "the Tahoe gateway answered mkdir with something that is not a directory cap");
    }
    return cap;
  }

  @Override
  public void link(String dir, String name, String file) throws FsException {
    if (reserved(dir, name)) {
      return;
    }
    client.execute("PUT", TahoeClient.capPath(dir, name) + "?t=uri&replace=true",
        () -> new StringEntity(file, ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8)), true,
        TahoeClient::text);
  }

  @Override
  public void unlink(String dir, String name) throws FsException {
    if (reserved(dir, name)) {
      return;
    }
    try {
      client.execute("DELETE", TahoeClient.capPath(dir, name), null, true, TahoeClient::text);
    } catch (FsException e) {
      if (e.error() != FsError.NOT_FOUND) {
        throw e;
      }
    }
  }

  /**
   * {@code t=relink}: two publishes (link at the target, then unlink the source), so a crash between them leaves
   * both names; core's retry (or its fallback to syncing both names) repairs that. The gateway strips
   * {@code from_name}/{@code to_name}, so names with outer whitespace are refused here (EOPNOTSUPP) and core
   * syncs them instead.
   */
  @Override
  public void rename(String fromDir, String name, String toDir, String toName) throws FsException {
    if (reserved(fromDir, name) || reserved(toDir, toName) || !name.strip().equals(name)
        || !toName.strip().equals(toName)) {
      throw new FsException(FsError.NOT_SUPPORTED, "this name cannot be relinked on Tahoe");
    }
    String query = "?t=relink&from_name=" + TahoeClient.encode(name) + "&to_dir=" + TahoeClient.encode(toDir)
        + "&to_name=" + TahoeClient.encode(toName) + "&replace=true";
    client.execute("POST", TahoeClient.capPath(fromDir) + "/" + query, null, true, TahoeClient::text);
  }

  /** {@code t=check&add-lease=true}; LIT caps hold their data and have no lease. */
  @Override
  public void renewLease(String handle) throws FsException {
    if (handle.startsWith("URI:LIT:") || handle.startsWith("URI:DIR2-LIT:")) {
      return;
    }
    client.execute("POST", TahoeClient.capPath(handle) + "?t=check&add-lease=true&output=JSON", null, true,
        TahoeClient::json);
  }

  @Override
  public String storeFile(List<ChunkRef> chunks, long chunkSize, long size) throws FsException {
    List<ChunkRef> sorted = new ArrayList<>(chunks);
    sorted.sort(Comparator.comparingLong(ChunkRef::index));
    // Idempotent: the same bytes give the same cap. Each attempt streams the chunks afresh.
    String answer = client.execute("PUT", "/uri", () -> new InputStreamEntity(
        new ChunkStream(blobs, sorted, chunkSize, size), size, ContentType.APPLICATION_OCTET_STREAM), true,
        TahoeClient::text).strip();
    TahoeCap cap;
    try {
      cap = TahoeCap.parse(answer);
    } catch (FsException e) {
      throw new FsException(FsError.IO, "the Tahoe gateway answered PUT /uri with something that is not a cap");
    }
    if (!cap.isImmutableFile() || cap.size() != size) {
      throw new FsException(FsError.IO, "the Tahoe gateway answered a whole-file upload of " + size + " bytes with "
          + cap);
    }
    return cap.value();
  }

  /** A file's bytes from its chunk map: blob reads of at most 1 MiB at a time, zeros for holes. */
  private static final class ChunkStream extends InputStream {
    private static final int STEP = 1 << 20;
    private final BlobStore blobs;
    private final List<ChunkRef> chunks;
    private final long chunkSize;
    private final long size;
    private long pos;
    private int next; // first chunk that may hold pos

    ChunkStream(BlobStore blobs, List<ChunkRef> chunks, long chunkSize, long size) {
      this.blobs = blobs;
      this.chunks = chunks;
      this.chunkSize = chunkSize;
      this.size = size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= size) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      long index = pos / chunkSize;
      while (next < chunks.size() && chunks.get(next).index() < index) {
        next++;
      }
      long chunkStart = index * chunkSize;
      long want = Math.min(Math.min(len, STEP), size - pos);
      ChunkRef c = next < chunks.size() && chunks.get(next).index() == index ? chunks.get(next) : null;
      long within = pos - chunkStart;
      int n;
      if (c != null && within < c.length()) {
        n = (int) Math.min(want, c.length() - within);
        int got = blobs.read(c.blob(), within, ByteBuffer.wrap(b, off, n));
        if (got <= 0) {
          throw new IOException("a chunk blob ended early");
        }
        n = got;
      } else {
        // A hole: up to the next chunk's start, or the end of this chunk's range.
        long holeEnd = c != null ? chunkStart + chunkSize
            : next < chunks.size() ? chunks.get(next).index() * chunkSize : size;
        n = (int) Math.min(want, holeEnd - pos);
        java.util.Arrays.fill(b, off, off + n, (byte) 0);
      }
      pos += n;
      return n;
    }
  }
}
