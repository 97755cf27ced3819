package org.truckeefs.tahoe;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.NamespaceMirror;

/**
 * The MIRROR strategy's directory tree under rootcap, one web-API request per step (docs/tahoe-webapi.md 2.2):
 * mkdir by path (#6, never the replacing mkdir by name), attach a cap with {@code t=uri&replace=true} (#13),
 * DELETE (#15), {@code t=relink} with {@code replace} explicit (#16), and a whole-file CHK upload (#1) streamed from
 * the file's chunks (none for a file of one chunk). Core calls it from one writer thread, so no two writers race on
 * a Tahoe directory.
 *
 * <p>{@code .truckeefs} at the root holds the metadata backups: the mirror neither lists nor touches that name.
 */
final class TahoeMirror implements NamespaceMirror {
  private final TahoeClient client;
  private final String rootcap;

  TahoeMirror(TahoeClient client, String rootcap) {
    this.client = client;
    this.rootcap = rootcap;
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

  /**
   * The whole file's immutable cap. Empty: {@code URI:LIT:}, no request. One chunk holding the whole file: that
   * chunk's own cap, no request at all (the chunk was uploaded as exactly these bytes, and immutable caps are
   * convergent, so a whole-file upload would give the same cap). Otherwise one {@code PUT /uri} streamed from the
   * chunks ({@link ChunksEntity}: one GET per chunk).
   */
  @Override
  public String storeFile(List<ChunkRef> chunks, long chunkSize, long size) throws FsException {
    if (size == 0) {
      return "URI:LIT:";
    }
    if (chunks.size() == 1 && chunks.get(0).index() == 0 && chunks.get(0).length() == size) {
      TahoeCap only = TahoeCap.parse(chunks.get(0).blob().value());
      if (only.isImmutableFile() && only.size() == size) {
        return only.value();
      }
    }
    List<ChunkRef> sorted = new ArrayList<>(chunks);
    sorted.sort(Comparator.comparingLong(ChunkRef::index));
    // Idempotent: the same bytes give the same cap. Each attempt streams the chunks afresh.
    String answer = client.execute("PUT", "/uri", () -> new ChunksEntity(client, sorted, chunkSize, size), true,
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
}
