package org.truckeefs.testkit.tahoe;

import com.sun.net.httpserver.Headers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.truckeefs.testkit.tahoe.Grid.DirRef;
import org.truckeefs.testkit.tahoe.Grid.FileNode;
import org.truckeefs.testkit.tahoe.Grid.Link;

/** Renders grid state and errors as a real gateway's JSON and HTML bodies, byte for byte where clients look. */
final class WapiViews {
  private final TahoeGatewayEmulator emulator;
  private final Grid grid;

  WapiViews(TahoeGatewayEmulator emulator) {
    this.emulator = emulator;
    this.grid = emulator.grid;
  }

  /** The welcome page's {@code ?t=json}: the one storage server, while it is "connected". */
  WapiResponse welcomeJson() {
    List<Object> servers = new ArrayList<>();
    if (emulator.serverConnected) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("nodeid", serverId());
      s.put("connection_status", "Connected to tcp:127.0.0.1:" + emulator.port() + " via tcp");
      s.put("available_space", emulator.availableSpace);
      s.put("nickname", "emulator");
      s.put("version", null);
      s.put("last_received_data", emulator.nowSeconds());
      servers.add(s);
    }
    Map<String, Object> top = new LinkedHashMap<>();
    top.put("introducers", Map.of("statuses", List.of()));
    top.put("servers", servers);
    return WapiResponse.json(top);
  }

  private static String serverId() {
    return "v0-" + Base32.encode(Caps.hash16(Grid.utf8("emulator-server")))
        + Base32.encode(Caps.hash16(Grid.utf8("emulator-server-2")));
  }

  /** A file's {@code ?t=json}, with the metadata of the link it was reached through if any. */
  WapiResponse fileJson(FileNode f, Link edge) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mutable", false);
    m.put("format", "CHK");
    m.put("size", (long) f.data().length);
    m.put("ro_uri", f.cap());
    if (f.verifyCap() != null) {
      m.put("verify_uri", f.verifyCap());
    }
    if (edge != null) {
      m.put("metadata", linkMetadata(edge));
    }
    return WapiResponse.json(List.of("filenode", m));
  }

  WapiResponse dirJson(DirRef d) {
    Map<String, Object> kids = new LinkedHashMap<>();
    for (Map.Entry<String, Link> e : d.dir().children.entrySet()) {
      Link l = e.getValue();
      Map<String, Object> m = new LinkedHashMap<>();
      String kind;
      String cap = l.cap();
      String verify = null;
      if (cap.startsWith("URI:DIR2")) {
        kind = "dirnode";
        m.put("mutable", true);
        Grid.DirNode child = grid.dirByCap(cap);
        verify = child == null ? null : child.verifyCap;
      } else {
        kind = "filenode";
        m.put("mutable", false);
        m.put("format", "CHK");
        m.put("size", cap.startsWith("URI:LIT:") ? (cap.length() - 8) * 5L / 8
            : Long.parseLong(cap.substring(cap.lastIndexOf(':') + 1)));
        FileNode fn = grid.immutableByCap(cap);
        verify = fn == null ? null : fn.verifyCap();
      }
      m.put("metadata", linkMetadata(l));
      if (d.writable() && l.rwUri != null) {
        m.put("rw_uri", l.rwUri);
      }
      m.put("ro_uri", l.roUri);
      if (verify != null) {
        m.put("verify_uri", verify);
      }
      kids.put(e.getKey(), List.of(kind, m));
    }
    Map<String, Object> contents = new LinkedHashMap<>();
    contents.put("children", kids);
    contents.put("ro_uri", d.dir().readCap);
    if (d.writable()) {
      contents.put("rw_uri", d.dir().writeCap);
    }
    contents.put("verify_uri", d.dir().verifyCap);
    contents.put("mutable", true);
    return WapiResponse.json(List.of("dirnode", contents));
  }

  private static Map<String, Object> linkMetadata(Link l) {
    Map<String, Object> tahoe = new LinkedHashMap<>();
    tahoe.put("linkcrtime", l.linkcrtime);
    tahoe.put("linkmotime", l.linkmotime);
    Map<String, Object> md = new LinkedHashMap<>();
    md.put("tahoe", tahoe);
    return md;
  }

  static WapiResponse dirHtml(DirRef d) {
    StringBuilder sb = new StringBuilder("<html><head><title>Tahoe-LAFS - Directory</title></head><body><table>");
    d.dir().children.keySet().forEach(n -> sb.append("<tr><td>").append(escape(n)).append("</td></tr>"));
    return WapiResponse.html(sb.append("</table></body></html>").toString());
  }

  /** {@code POST ?t=check}: always healthy on the one-server grid; {@code add-lease} is counted per storage index. */
  WapiResponse check(WapiRequest req, String si, boolean mutable, long seq) throws WebError {
    boolean addLease = WapiArgs.isTrue(req.arg("add-lease", "false"), "add-lease");
    WapiArgs.isTrue(req.arg("verify", "false"), "verify");
    boolean json = "json".equalsIgnoreCase(req.arg("output", ""));
    if (si != null && addLease) {
      grid.leaseRenewals.merge(si, 1, Integer::sum);
    }
    if (!json) {
      return WapiResponse.html("<html><body><div>Healthy</div></body></html>");
    }
    Map<String, Object> data = new LinkedHashMap<>();
    if (si == null) {
      data.put("storage-index", "");
      data.put("results", Map.of("healthy", true));
      return WapiResponse.json(data);
    }
    String server = serverId();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("count-happiness", 1L);
    r.put("count-shares-good", (long) grid.sharesTotal);
    r.put("count-shares-needed", (long) grid.sharesNeeded);
    r.put("count-shares-expected", (long) grid.sharesTotal);
    r.put("count-good-share-hosts", 1L);
    r.put("count-corrupt-shares", 0L);
    r.put("list-corrupt-shares", List.of());
    r.put("servers-responding", List.of(server));
    String shareKey = mutable ? "seq" + seq + "-" + si.substring(0, 4) + "-sh0" : "0";
    r.put("sharemap", Map.of(shareKey, List.of(server)));
    r.put("count-wrong-shares", 0L);
    r.put("count-recoverable-versions", 1L);
    r.put("count-unrecoverable-versions", 0L);
    r.put("healthy", true);
    r.put("recoverable", true);
    data.put("storage-index", si);
    data.put("summary", "Healthy");
    data.put("results", r);
    return WapiResponse.json(data);
  }

  /** An error as Tahoe renders it from where it was raised (see {@link WebError}). */
  static WapiResponse error(WebError e, Headers requestHeaders) {
    String msg = e.getMessage();
    return switch (e.kind) {
      case TRAVERSAL -> new WapiResponse(e.status, WapiResponse.ERROR_HTML, errorPage(e.status, msg));
      case HANDLER -> new WapiResponse(e.status, WapiResponse.ERROR_TEXT, msg);
      case JSON -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", msg);
        yield new WapiResponse(e.status, WapiResponse.ERROR_TEXT, PythonJson.dumps(m) + "\n");
      }
      case TRACEBACK -> {
        String tb = "Traceback (most recent call last):\n"
            + "  File \"/usr/lib/python3/dist-packages/allmydata/web/common.py\", line 612, in _renderHTTP\n"
            + "    result = yield maybeDeferred(self._render, request)\n"
            + "Failure: " + e.exceptionClass + ": " + msg + "\n";
        if (wantsHtml(requestHeaders.getFirst("Accept"))) {
          yield new WapiResponse(500, WapiResponse.HTML, "<html><head><title>500 - Internal Server Error</title>"
              + "</head><body><b>Error</b><pre>" + escape(tb) + "</pre></body></html>");
        }
        yield new WapiResponse(500, WapiResponse.ERROR_TEXT, tb);
      }
    };
  }

  private static boolean wantsHtml(String accept) {
    if (accept == null || accept.isEmpty()) {
      return true;
    }
    return accept.contains("*/*") || accept.contains("text/*") || accept.contains("text/html");
  }

  /**
   * Twisted's {@code resource.ErrorPage} as a real 1.17.1 gateway fills it in: a missing child is titled "Error"
   * with the message as detail; other traversal errors (a file in the way, files have no children) put the message
   * in the title and say "no details".
   */
  private static String errorPage(int status, String message) {
    String brief = status == 404 ? "Error" : message;
    String detail = status == 404 ? message : "no details";
    return "\n<html>\n  <head><title>" + status + " - " + escape(brief) + "</title></head>\n  <body>\n    <h1>"
        + escape(brief) + "</h1>\n    <p>" + escape(detail) + "</p>\n  </body>\n</html>\n";
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
