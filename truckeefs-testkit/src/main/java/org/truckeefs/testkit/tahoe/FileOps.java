package org.truckeefs.testkit.tahoe;

import java.net.URLConnection;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.truckeefs.testkit.tahoe.Grid.DirRef;
import org.truckeefs.testkit.tahoe.Grid.FileNode;
import org.truckeefs.testkit.tahoe.Grid.Link;
import org.truckeefs.testkit.tahoe.WapiArgs.Replace;

/** Immutable (CHK/LIT) file uploads and downloads, with Tahoe's ETag and Range quirks. */
final class FileOps {
  private final Grid grid;
  private final DirectoryOps dirs;

  FileOps(Grid grid, DirectoryOps dirs) {
    this.grid = grid;
    this.dirs = dirs;
  }

  /** {@code PUT /uri}: an unlinked upload; mutable formats are not emulated. */
  WapiResponse putUnlinked(WapiRequest req) throws WebError {
    if (WapiArgs.isTrue(req.arg("mutable", "false"), "mutable")) {
      throw WebError.handler(400, "emulator: mutable files are not emulated");
    }
    String format = req.arg("format", "CHK").toUpperCase(Locale.ROOT);
    return switch (format) {
      case "CHK" -> WapiResponse.text(200, upload(req));
      case "SDMF", "MDMF" -> throw WebError.handler(400, "emulator: mutable files are not emulated");
      default -> throw WebError.handler(400, "Unknown format: " + req.arg("format") + ", I know CHK, SDMF, MDMF");
    };
  }

  /** {@code PUT path}: uploads and links the file; 201 when the name was new. */
  WapiResponse putLinked(WapiRequest req, DirRef parent, String name, Link existing, Replace replace)
      throws WebError {
    if (existing != null && DirectoryOps.isDirCap(existing.cap())) {
      throw WebError.handler(400, "PUT to a directory");
    }
    if (existing != null && replace == Replace.FALSE) {
      throw WebError.existingChild();
    }
    String cap = upload(req);
    dirs.setLink(parent, name, cap);
    return WapiResponse.text(existing == null ? 201 : 200, cap);
  }

  private String upload(WapiRequest req) {
    return req.prepared() != null ? grid.putImmutable(req.body(), req.prepared()) : grid.putImmutable(req.body());
  }

  /** {@code GET file}: If-None-Match against the ETag, then the first range of a Range header, if it parses. */
  WapiResponse download(WapiRequest req, FileNode f, String filename) throws WebError {
    byte[] data = f.data();
    long size = data.length;
    String etag = f.si() == null ? null : f.si() + "-";
    if (etag != null) {
      String inm = req.headers().getFirst("If-None-Match");
      if (inm != null && (List.of(inm.trim().split("\\s+")).contains(etag) || inm.trim().equals("*"))) {
        WapiResponse r = new WapiResponse(304, null, new byte[0]);
        r.headers.put("ETag", etag);
        return r;
      }
    }
    String type = filename == null ? null : URLConnection.guessContentTypeFromName(filename);
    int status = 200;
    long first = 0;
    long last = size - 1;
    String contentRange = null;
    String range = req.headers().getFirst("Range");
    if (range != null) {
      long[] r = WapiArgs.parseRange(range, size);
      if (r != null) {
        boolean suffix = r[2] == 1;
        if (!suffix && r[0] >= size) {
          throw WebError.handler(416, "First beyond end of file");
        }
        first = Math.max(0, r[0]);
        last = Math.min(size - 1, r[1]);
        status = 206;
        contentRange = "bytes " + first + "-" + last + "/" + size;
      }
    }
    byte[] body = last < first ? new byte[0] : Arrays.copyOfRange(data, (int) first, (int) last + 1);
    WapiResponse resp = new WapiResponse(status, type == null ? "text/plain" : type, body);
    resp.headers.put("Accept-Ranges", "bytes");
    if (contentRange != null) {
      resp.headers.put("Content-Range", contentRange);
    }
    if (etag != null) {
      resp.headers.put("ETag", etag);
    }
    return resp;
  }
}
