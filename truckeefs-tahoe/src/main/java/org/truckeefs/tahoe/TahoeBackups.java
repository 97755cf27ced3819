package org.truckeefs.tahoe;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobStore;

/**
 * Metadata backups as plain Tahoe files under rootcap: {@code .truckeefs/backups/<name>}, each an immutable upload
 * linked by name, so a user can list and fetch them with the Tahoe CLI too. The directory is made with mkdir by
 * path (which leaves an existing directory alone, unlike the replacing mkdir by name) and backups are linked with
 * {@code replace=false}, so nothing already there is ever replaced.
 */
final class TahoeBackups {
  static final String DIR = ".truckeefs";
  static final String BACKUPS = "backups";

  private final TahoeClient client;
  private final String rootcap;
  private final Path spoolDir;
  private final BlobStore blobs;

  TahoeBackups(TahoeClient client, String rootcap, Path spoolDir, BlobStore blobs) {
    this.client = client;
    this.rootcap = rootcap;
    this.spoolDir = spoolDir;
    this.blobs = blobs;
  }

  void store(String name, ReadableByteChannel src, long size) throws FsException {
    checkName(name);
    String cap = blobs.put(src, size).value();
    // Idempotent: an existing directory is left as it is.
    client.execute("POST", TahoeClient.capPath(rootcap, DIR, BACKUPS) + "?t=mkdir", null, true, TahoeClient::text);
    try {
      client.execute("PUT", TahoeClient.capPath(rootcap, DIR, BACKUPS, name) + "?t=uri&replace=false",
          () -> textEntity(cap), false, TahoeClient::text);
    } catch (FsException e) {
      // A lost answer to our own link looks like a conflict on the retry by the caller: the same cap is success.
      if (e.error() != FsError.EXISTS || !cap.equals(linkedCap(name))) {
        throw e;
      }
    }
    renewLeases();
  }

  /**
   * Backups are not live blobs, so the lease daemon skips them; each new backup renews the ones kept and the
   * directories down to them, rootcap included.
   */
  private void renewLeases() throws FsException {
    renew(TahoeClient.capPath(rootcap));
    renew(TahoeClient.capPath(rootcap, DIR));
    renew(TahoeClient.capPath(rootcap, DIR, BACKUPS));
    for (String kept : list()) {
      renew(TahoeClient.capPath(rootcap, DIR, BACKUPS, kept));
    }
  }

  private void renew(String path) throws FsException {
    client.execute("POST", path + "?t=check&add-lease=true&output=JSON", null, true, TahoeClient::json);
  }

  List<String> list() throws FsException {
    JsonNode dir;
    try {
      dir = client.execute("GET", TahoeClient.capPath(rootcap, DIR, BACKUPS) + "?t=json", null, true,
          TahoeClient::json);
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND) {
        return List.of();
      }
      throw e;
    }
    List<String> names = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = dir.path(1).path("children").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> child = it.next();
      if ("filenode".equals(child.getValue().path(0).asText())) {
        names.add(child.getKey());
      }
    }
    names.sort(null); // the gateway lists in dict order; names sort by time
    return names;
  }

  /** Downloads into a spool file first, so a slow reader never holds a gateway connection; deleted on close. */
  InputStream open(String name) throws FsException {
    checkName(name);
    try {
      Files.createDirectories(spoolDir);
      Path spool = Files.createTempFile(spoolDir, "backup-", ".tmp");
      try {
        client.execute("GET", TahoeClient.capPath(rootcap, DIR, BACKUPS, name), null, true, response -> {
          HttpEntity e = response.getEntity();
          if (e == null) {
            throw new FsException(FsError.IO, "the Tahoe gateway answered a backup download with no body");
          }
          try (InputStream in = e.getContent()) {
            Files.copy(in, spool, StandardCopyOption.REPLACE_EXISTING);
          }
          return null;
        });
        return Files.newInputStream(spool, StandardOpenOption.DELETE_ON_CLOSE);
      } catch (FsException | RuntimeException e) {
        Files.deleteIfExists(spool);
        throw e;
      }
    } catch (FsException e) {
      throw e;
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot spool the backup download: " + e.getClass().getSimpleName());
    }
  }

  void delete(String name) throws FsException {
    checkName(name);
    try {
      client.execute("DELETE", TahoeClient.capPath(rootcap, DIR, BACKUPS, name), null, true, TahoeClient::text);
    } catch (FsException e) {
      if (e.error() != FsError.NOT_FOUND) {
        throw e;
      }
    }
  }

  private String linkedCap(String name) throws FsException {
    return client.execute("GET", TahoeClient.capPath(rootcap, DIR, BACKUPS, name) + "?t=uri", null, true,
        TahoeClient::text).strip();
  }

  private static HttpEntity textEntity(String s) {
    return new StringEntity(s, ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8));
  }

  private static void checkName(String name) throws FsException {
    if (name.isEmpty() || name.contains("/") || !name.strip().equals(name) || name.equals(".") || name.equals("..")) {
      throw new FsException(FsError.INVALID, "'" + name + "' is not a backup name");
    }
  }
}
