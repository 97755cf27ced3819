package org.truckeefs.tahoe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Set;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.ChunkRef;

/**
 * A file's bytes as an upload body, streamed from its chunks: each chunk is one GET whose answer is copied into the
 * upload as it arrives, holes are zeros. So a file of N chunks costs N reads (not one ranged GET per buffer the
 * HTTP client fills) and memory stays at one copy buffer, whatever the file size. Repeatable: a retried upload
 * streams the chunks afresh.
 *
 * <p>The chunk reads run on the uploading thread while the upload holds its own connection, so the pool needs two
 * connections ({@link TahoeConfig} checks {@code max_connections} for MIRROR).
 */
final class ChunksEntity extends AbstractHttpEntity {
  private static final int BUFFER = 256 * 1024;

  private final TahoeClient client;
  private final List<ChunkRef> chunks; // sorted by index
  private final long chunkSize;
  private final long size;

  ChunksEntity(TahoeClient client, List<ChunkRef> sortedChunks, long chunkSize, long size) {
    super(ContentType.APPLICATION_OCTET_STREAM, null);
    this.client = client;
    this.chunks = sortedChunks;
    this.chunkSize = chunkSize;
    this.size = size;
  }

  @Override
  public boolean isRepeatable() {
    return true;
  }

  @Override
  public long getContentLength() {
    return size;
  }

  @Override
  public boolean isStreaming() {
    return false;
  }

  @Override
  public InputStream getContent() {
    throw new UnsupportedOperationException("a chunk stream is written with writeTo, never read");
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    long pos = 0;
    for (ChunkRef c : chunks) {
      long start = c.index() * chunkSize;
      if (start >= size) {
        break;
      }
      zeros(out, start - pos);
      long n = Math.min(c.length(), Math.min(chunkSize, size - start));
      copyChunk(c, n, out);
      pos = start + n;
    }
    zeros(out, size - pos);
    out.flush();
  }

  /** The first {@code n} bytes of a chunk: a LIT cap holds them, a CHK cap costs one GET, streamed. */
  private void copyChunk(ChunkRef c, long n, OutputStream out) throws IOException {
    if (n <= 0) {
      return;
    }
    TahoeCap cap = TahoeCap.parse(c.blob().value());
    if (!cap.isImmutableFile() || cap.size() < n) {
      throw new FsException(FsError.IO, "a chunk blob is shorter than its chunk map says");
    }
    if (cap.kind() == TahoeCap.Kind.LIT) {
      out.write(cap.litData(), 0, (int) n);
      return;
    }
    String[] range = n == cap.size() ? new String[0] : new String[] {"Range", "bytes=0-" + (n - 1)};
    // Not retried here: bytes may already be in the upload; the upload's own retry starts the stream again.
    long copied = client.execute("GET", TahoeClient.capPath(cap.value()), null, false, response -> {
      HttpEntity e = response.getEntity();
      if (e == null) {
        return 0L;
      }
      try (InputStream in = e.getContent()) {
        return copy(in, out, n);
      }
    }, range);
    if (copied != n) {
      throw new FsException(FsError.IO, "a chunk read ended after " + copied + " of " + n + " bytes");
    }
  }

  private static long copy(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(BUFFER, n)];
    long done = 0;
    while (done < n) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      out.write(buf, 0, r);
      done += r;
    }
    return done;
  }

  private static void zeros(OutputStream out, long n) throws IOException {
    if (n <= 0) {
      return;
    }
    byte[] z = new byte[(int) Math.min(BUFFER, n)];
    while (n > 0) {
      int k = (int) Math.min(z.length, n);
      out.write(z, 0, k);
      n -= k;
    }
  }

  @Override
  public Set<String> getTrailerNames() {
    return Set.of();
  }

  @Override
  public void close() {}
}
