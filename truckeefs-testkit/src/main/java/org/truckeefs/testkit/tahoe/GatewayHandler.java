package org.truckeefs.testkit.tahoe;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.truckeefs.testkit.tahoe.Grid.DirRef;
import org.truckeefs.testkit.tahoe.Grid.FileNode;
import org.truckeefs.testkit.tahoe.Grid.Link;
import org.truckeefs.testkit.tahoe.Grid.Node;

/** Parses WAPI requests and applies them to the {@link Grid} with Tahoe's semantics; renders answers and errors. */
final class GatewayHandler implements HttpHandler {
  /**
   * A success body a render method returns as a string (a cap, "thing moved") gets Twisted's default type; checked
   * against a real 1.17.1 gateway, and the current source sets nothing else.
   */
  private static final String TEXT = "text/html";
  /** JSON answers go through {@code web/common.py:text_plain}. */
  private static final String JSON = "text/plain";
  private static final String ERROR_TEXT = "text/plain;charset=utf-8";
  private static final String HTML = "text/html";
  /** Twisted's {@code ErrorPage} (errors met during path traversal). */
  private static final String ERROR_HTML = "text/html; charset=utf-8";

  private final TahoeGatewayEmulator emulator;
  private final Grid grid;

  GatewayHandler(TahoeGatewayEmulator emulator) {
    this.emulator = emulator;
    this.grid = emulator.grid;
  }

  /** A parsed request. */
  private record Req(String method, String rawPath, Map<String, List<String>> args, Headers headers, byte[] body,
      Grid.Prepared prepared) {
    String arg(String name) {
      List<String> v = args.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    String arg(String name, String dflt) {
      String v = arg(name);
      return v == null ? dflt : v;
    }

    boolean head() {
      return method.equals("HEAD");
    }
  }

  /** An answer; {@code bodyLength} is sent as Content-Length even for HEAD. */
  private static final class Resp {
    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    final byte[] body;

    Resp(int status, String contentType, byte[] body) {
      this.status = status;
      this.body = body;
      if (contentType != null) {
        headers.put("Content-Type", contentType);
      }
    }

    static Resp text(int status, String text) {
      return new Resp(status, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    static Resp json(Object value) {
      return new Resp(200, JSON, (PythonJson.dumps(value) + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Thrown after relink's first step when the crash hook is set. */
  private static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Crash() {
      super(null, null, false, false);
    }
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    String rawPath = ex.getRequestURI().getRawPath();
    Map<String, List<String>> args = parseQuery(ex.getRequestURI().getRawQuery());
    try {
      Fault fault = emulator.takeFault(method);
      boolean dropAfter = false;
      if (fault != null) {
        switch (fault.action) {
          case DELAY -> sleep(fault.delay.toMillis());
          case DROP -> {
            emulator.record(new RecordedRequest(method, rawPath, args, 0));
            ex.close();
            return;
          }
          case RESPOND -> {
            ex.getRequestBody().readAllBytes();
            Resp r = new Resp(fault.status, fault.contentType, fault.body.getBytes(StandardCharsets.UTF_8));
            send(ex, method, rawPath, args, r);
            return;
          }
          case TRACEBACK -> {
            ex.getRequestBody().readAllBytes();
            send(ex, method, rawPath, args,
                errorResponse(WebError.traceback(fault.exceptionClass, fault.body), ex.getRequestHeaders()));
            return;
          }
          case DROP_AFTER_HANDLING -> dropAfter = true;
        }
      }
      byte[] body = ex.getRequestBody().readAllBytes();
      // Hash uploads outside the grid lock, so parallel uploads are encoded in parallel as on a real gateway.
      Grid.Prepared prepared = method.equals("PUT") && !"uri".equals(firstArg(args, "t")) ? grid.prepare(body) : null;
      Req req = new Req(method, rawPath, args, ex.getRequestHeaders(), body, prepared);
      Resp resp;
      try {
        resp = emulator.latency.write(emulator.latency.writeCost(method, rawPath, args, body.length), () -> {
          synchronized (grid) {
            return dispatch(req);
          }
        });
      } catch (WebError e) {
        resp = errorResponse(e, ex.getRequestHeaders());
      } catch (Crash c) {
        emulator.record(new RecordedRequest(method, rawPath, args, 0));
        ex.close();
        return;
      }
      if (dropAfter) {
        emulator.record(new RecordedRequest(method, rawPath, args, 0));
        ex.close();
        return;
      }
      emulator.latency.beforeAnswer(method, rawPath, args, resp.status, resp.body.length);
      send(ex, method, rawPath, args, resp);
    } catch (RuntimeException | IOException e) {
      // A bug in the emulator itself: say so plainly rather than imitate Tahoe.
      Resp r = Resp.text(500, "emulator failure: " + e);
      send(ex, method, rawPath, args, r);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void send(HttpExchange ex, String method, String rawPath, Map<String, List<String>> args, Resp r)
      throws IOException {
    emulator.record(new RecordedRequest(method, rawPath, args, r.status));
    Headers h = ex.getResponseHeaders();
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    r.headers.forEach(h::set);
    boolean noBody = method.equals("HEAD") || r.status == 304;
    if (noBody) {
      if (r.status != 304) {
        h.set("Content-Length", Long.toString(r.body.length));
      }
      ex.sendResponseHeaders(r.status, -1);
    } else {
      ex.sendResponseHeaders(r.status, r.body.length == 0 ? -1 : r.body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(r.body);
      }
    }
    ex.close();
  }

  // ---------------------------------------------------------------- routing

  private Resp dispatch(Req req) throws WebError {
    String path = req.rawPath();
    if (path.equals("/") || path.isEmpty()) {
      return welcome(req);
    }
    String rest;
    if (path.equals("/uri") || path.equals("/cap")) {
      rest = "";
    } else if (path.startsWith("/uri/") || path.startsWith("/cap/")) {
      rest = path.substring(5);
    } else {
      throw WebError.traversal(404, "No such resource");
    }
    if (rest.isEmpty()) {
      return unlinked(req);
    }
    String[] raw = rest.split("/", -1);
    String cap = decodeSegment(raw[0]);
    List<String> segs = new ArrayList<>();
    for (int i = 1; i < raw.length; i++) {
      if (raw[i].isEmpty()) {
        if (i == raw.length - 1) {
          break; // a trailing slash names the node itself
        }
        throw WebError.handler(400, "The webapi does not allow empty pathname components");
      }
      segs.add(Normalizer.normalize(decodeSegment(raw[i]), Normalizer.Form.NFC));
    }
    String t = req.arg("t", "");
    boolean dirForm = cap.startsWith("URI:DIR2");
    Node root;
    try {
      root = grid.resolve(cap);
    } catch (WebError e) {
      throw t.equals("json") && dirForm && segs.isEmpty() ? e.asJson() : e;
    }
    return switch (req.method()) {
      case "GET", "HEAD" -> get(req, root, segs, t);
      case "PUT" -> put(req, root, segs, t);
      case "POST" -> post(req, root, segs, t);
      case "DELETE" -> delete(root, segs);
      default -> throw WebError.handler(405, "method not allowed");
    };
  }

  private Resp welcome(Req req) throws WebError {
    if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
      throw WebError.handler(405, "method not allowed");
    }
    if (!req.arg("t", "").equals("json")) {
      return new Resp(200, HTML, "<html><head><title>Tahoe-LAFS - Welcome</title></head><body>emulator</body></html>"
          .getBytes(StandardCharsets.UTF_8));
    }
    List<Object> servers = new ArrayList<>();
    if (emulator.serverConnected) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("nodeid", serverId());
      s.put("connection_status", "Connected to tcp:127.0.0.1:" + emulator.port() + " via tcp");
      s.put("available_space", emulator.availableSpace);
      s.put("nickname", "emulator");
      s.put("version", null);
      s.put("last_received_data", now());
      servers.add(s);
    }
    Map<String, Object> top = new LinkedHashMap<>();
    top.put("introducers", Map.of("statuses", List.of()));
    top.put("servers", servers);
    return Resp.json(top);
  }

  private String serverId() {
    return "v0-" + Base32.encode(Caps.hash16(Grid.utf8("emulator-server")))
        + Base32.encode(Caps.hash16(Grid.utf8("emulator-server-2")));
  }

  private double now() {
    return emulator.clock.millis() / 1000.0;
  }

  // ---------------------------------------------------------------- /uri

  private Resp unlinked(Req req) throws WebError {
    String t = req.arg("t", "");
    if (req.method().equals("PUT") && t.isEmpty()) {
      if (isTrue(req.arg("mutable", "false"), "mutable")) {
        throw WebError.handler(400, "emulator: mutable files are not emulated");
      }
      String format = req.arg("format", "CHK").toUpperCase(Locale.ROOT);
      switch (format) {
        case "CHK" -> {
          return Resp.text(200, upload(req));
        }
        case "SDMF", "MDMF" -> throw WebError.handler(400, "emulator: mutable files are not emulated");
        default -> throw WebError.handler(400, "Unknown format: " + req.arg("format") + ", I know CHK, SDMF, MDMF");
      }
    }
    if ((req.method().equals("POST") || req.method().equals("PUT")) && t.equals("mkdir")) {
      return Resp.text(200, grid.newDirectory(mdmf(req)).writeCap);
    }
    if (req.method().equals("POST") && (t.equals("mkdir-with-children") || t.equals("mkdir-immutable")
        || t.equals("upload"))) {
      throw WebError.handler(400, "emulator: t=" + t + " is not emulated");
    }
    throw WebError.handler(400, "/uri accepts only PUT, PUT?t=mkdir, POST?t=upload, and POST?t=mkdir");
  }

  private String upload(Req req) {
    return req.prepared() != null ? grid.putImmutable(req.body(), req.prepared()) : grid.putImmutable(req.body());
  }

  private static String firstArg(Map<String, List<String>> args, String name) {
    List<String> v = args.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static boolean mdmf(Req req) throws WebError {
    String f = req.arg("format");
    if (f == null || f.equalsIgnoreCase("SDMF")) {
      return false;
    }
    if (f.equalsIgnoreCase("MDMF")) {
      return true;
    }
    throw WebError.handler(400, "Unknown format: " + f + ", I know SDMF, MDMF");
  }

  // ---------------------------------------------------------------- GET / HEAD

  private Resp get(Req req, Node root, List<String> segs, String t) throws WebError {
    Node node = root;
    Link edge = null;
    String name = null;
    for (String s : segs) {
      if (node instanceof FileNode) {
        throw WebError.handler(400, "Files have no children named '" + s + "'");
      }
      DirRef d = (DirRef) node;
      Link l = d.dir().children.get(s);
      if (l == null) {
        throw WebError.noSuchChild(s, true);
      }
      edge = l;
      name = s;
      try {
        node = grid.follow(l, d.writable());
      } catch (WebError e) {
        throw t.equals("json") && l.cap().startsWith("URI:DIR2") ? e.asJson() : e;
      }
    }
    if (node instanceof DirRef d) {
      return switch (t) {
        case "json" -> Resp.json(dirJson(d));
        case "uri" -> Resp.text(200, d.cap());
        case "readonly-uri" -> Resp.text(200, d.dir().readCap);
        case "" -> new Resp(200, HTML, dirHtml(d).getBytes(StandardCharsets.UTF_8));
        default -> throw WebError.handler(400, "GET directory: bad t=" + t);
      };
    }
    FileNode f = (FileNode) node;
    return switch (t) {
      case "json" -> {
        Map<String, Object> m = fileJson(f);
        if (edge != null) {
          m.put("metadata", linkMetadata(edge));
        }
        yield Resp.json(List.of("filenode", m));
      }
      case "uri", "readonly-uri" -> Resp.text(200, f.cap());
      case "" -> download(req, f, req.arg("filename", name));
      default -> throw WebError.handler(400, "GET file: bad t=" + t);
    };
  }

  private Resp download(Req req, FileNode f, String filename) throws WebError {
    byte[] data = f.data();
    long size = data.length;
    String etag = f.si() == null ? null : f.si() + "-";
    if (etag != null) {
      String inm = req.headers().getFirst("If-None-Match");
      if (inm != null && (List.of(inm.trim().split("\\s+")).contains(etag) || inm.trim().equals("*"))) {
        Resp r = new Resp(304, null, new byte[0]);
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
      long[] r = parseRange(range, size);
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
    byte[] body = last < first ? new byte[0] : java.util.Arrays.copyOfRange(data, (int) first, (int) last + 1);
    Resp resp = new Resp(status, type == null ? "text/plain" : type, body);
    resp.headers.put("Accept-Ranges", "bytes");
    if (contentRange != null) {
      resp.headers.put("Content-Range", contentRange);
    }
    if (etag != null) {
      resp.headers.put("ETag", etag);
    }
    return resp;
  }

  /**
   * Tahoe's {@code parse_range_header}: the first of the ranges as {first, last, isSuffix}, or null when the header
   * does not parse (and is then ignored). An open range starting past the end does not parse either.
   */
  static long[] parseRange(String header, long size) {
    int eq = header.indexOf('=');
    if (eq < 0 || !header.substring(0, eq).equals("bytes")) {
      return null;
    }
    long[] firstRange = null;
    try {
      for (String part : header.substring(eq + 1).split(",", -1)) {
        String r = part.strip();
        int dash = r.indexOf('-');
        if (dash < 0) {
          return null;
        }
        String a = r.substring(0, dash);
        String b = r.substring(dash + 1);
        long[] parsed;
        if (a.isEmpty()) {
          long first = Math.max(0, size - pyInt(b));
          parsed = new long[] {first, size - 1, 1};
        } else {
          long first = pyInt(a);
          long last = b.isEmpty() ? size - 1 : pyInt(b);
          if (last < first) {
            return null;
          }
          parsed = new long[] {first, last, 0};
        }
        if (firstRange == null) {
          firstRange = parsed;
        }
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return firstRange;
  }

  private static long pyInt(String s) {
    return Long.parseLong(s.strip());
  }

  private Map<String, Object> fileJson(FileNode f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mutable", false);
    m.put("format", "CHK");
    m.put("size", (long) f.data().length);
    m.put("ro_uri", f.cap());
    if (f.verifyCap() != null) {
      m.put("verify_uri", f.verifyCap());
    }
    return m;
  }

  private List<Object> dirJson(DirRef d) {
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
    return List.of("dirnode", contents);
  }

  private static Map<String, Object> linkMetadata(Link l) {
    Map<String, Object> tahoe = new LinkedHashMap<>();
    tahoe.put("linkcrtime", l.linkcrtime);
    tahoe.put("linkmotime", l.linkmotime);
    Map<String, Object> md = new LinkedHashMap<>();
    md.put("tahoe", tahoe);
    return md;
  }

  private String dirHtml(DirRef d) {
    StringBuilder sb = new StringBuilder("<html><head><title>Tahoe-LAFS - Directory</title></head><body><table>");
    d.dir().children.keySet().forEach(n -> sb.append("<tr><td>").append(escape(n)).append("</td></tr>"));
    return sb.append("</table></body></html>").toString();
  }

  // ---------------------------------------------------------------- PUT

  private Resp put(Req req, Node root, List<String> segs, String t) throws WebError {
    if (segs.isEmpty()) {
      if (root instanceof DirRef) {
        throw WebError.handler(400, "PUT to a directory");
      }
      throw WebError.traceback("builtins.AssertionError", "");
    }
    if (!(root instanceof DirRef rootDir)) {
      throw WebError.handler(400, "Files have no children named '" + segs.get(0) + "'");
    }
    if (t.equals("mkdir")) {
      return mkdirByPath(req, rootDir, segs);
    }
    if (!t.isEmpty() && !t.equals("uri")) {
      throw WebError.handler(400, "PUT to a file: bad t=" + t);
    }
    if (t.isEmpty() && req.headers().getFirst("Content-Range") != null) {
      throw WebError.handler(501, "Content-Range in PUT not yet supported");
    }
    Replace replace = replaceArg(req.arg("replace", "true"));
    DirRef parent = ensureDirs(rootDir, segs.subList(0, segs.size() - 1));
    String name = segs.get(segs.size() - 1);
    Link existing = parent.dir().children.get(name);
    requireWritable(parent);
    if (t.isEmpty()) {
      if (existing != null && isDirCap(existing.cap())) {
        throw WebError.handler(400, "PUT to a directory");
      }
      if (existing != null && replace == Replace.FALSE) {
        throw WebError.existingChild();
      }
      String cap = upload(req);
      setLink(parent, name, cap);
      return Resp.text(existing == null ? 201 : 200, cap);
    }
    String cap = new String(req.body(), StandardCharsets.UTF_8).strip();
    requireLinkable(cap);
    checkReplace(existing, replace);
    setLink(parent, name, cap);
    return Resp.text(200, cap);
  }

  private enum Replace { TRUE, FALSE, ONLY_FILES }

  private static Replace replaceArg(String v) throws WebError {
    if (v.equalsIgnoreCase("only-files")) {
      return Replace.ONLY_FILES;
    }
    try {
      return isTrue(v, "replace") ? Replace.TRUE : Replace.FALSE;
    } catch (WebError e) {
      throw WebError.handler(400, "invalid replace= argument: '" + v + "'");
    }
  }

  private static void checkReplace(Link existing, Replace replace) throws WebError {
    if (existing == null) {
      return;
    }
    if (replace == Replace.FALSE || (replace == Replace.ONLY_FILES && isDirCap(existing.cap()))) {
      throw WebError.existingChild();
    }
  }

  private static boolean isTrue(String v, String name) throws WebError {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "t", "1", "on" -> true;
      case "false", "f", "0", "off" -> false;
      default -> throw WebError.handler(400, "invalid boolean argument: '" + v + "'");
    };
  }

  private static boolean isDirCap(String cap) {
    return cap.startsWith("URI:DIR2");
  }

  private static void requireLinkable(String cap) throws WebError {
    if (!Grid.isKnownCapForm(cap)) {
      throw WebError.handler(400, "MustNotBeUnknownRWError: cannot attach unknown rw cap as child");
    }
  }

  private static void requireWritable(DirRef d) throws WebError {
    if (!d.writable()) {
      throw WebError.notWriteable();
    }
  }

  private void setLink(DirRef parent, String name, String cap) {
    double now = now();
    Link old = parent.dir().children.get(name);
    String rw = Grid.isWriteCap(cap) ? cap : null;
    parent.dir().children.put(name, new Link(rw, grid.readOnly(cap), old == null ? now : old.linkcrtime, now));
    parent.dir().seq++;
  }

  /** Walks {@code segs} from {@code start}, creating missing directories; a file in the way is a 409. */
  private DirRef ensureDirs(DirRef start, List<String> segs) throws WebError {
    DirRef cur = start;
    for (String s : segs) {
      Link l = cur.dir().children.get(s);
      if (l == null) {
        requireWritable(cur);
        Grid.DirNode nd = grid.newDirectory(false);
        setLink(cur, s, nd.writeCap);
        cur = new DirRef(nd, true);
        continue;
      }
      Node n = grid.follow(l, cur.writable());
      if (!(n instanceof DirRef d)) {
        throw WebError.traversal(409, "Unable to create directory '" + s + "': a file was in the way");
      }
      cur = d;
    }
    return cur;
  }

  private Resp mkdirByPath(Req req, DirRef rootDir, List<String> segs) throws WebError {
    DirRef parent = ensureDirs(rootDir, segs.subList(0, segs.size() - 1));
    String name = segs.get(segs.size() - 1);
    Link l = parent.dir().children.get(name);
    if (l != null) {
      Node n = grid.follow(l, parent.writable());
      if (n instanceof DirRef d) {
        return Resp.text(200, d.cap());
      }
      throw WebError.handler(400, "POST to file: bad t=mkdir");
    }
    requireWritable(parent);
    Grid.DirNode nd = grid.newDirectory(mdmf(req));
    setLink(parent, name, nd.writeCap);
    return Resp.text(200, nd.writeCap);
  }

  // ---------------------------------------------------------------- POST

  private Resp post(Req req, Node root, List<String> segs, String t) throws WebError {
    Node target;
    if (t.equals("check") || t.equals("rename") || t.equals("delete")) {
      target = traverse(root, segs);
    } else if (t.equals("mkdir") && !segs.isEmpty() && req.arg("name") == null) {
      if (!(root instanceof DirRef rootDir)) {
        throw WebError.handler(400, "Files have no children named '" + segs.get(0) + "'");
      }
      return mkdirByPath(req, rootDir, segs);
    } else if (segs.isEmpty()) {
      target = root;
    } else {
      // Every other t= creates missing directories on the way, the last path component included.
      if (!(root instanceof DirRef rootDir)) {
        throw WebError.handler(400, "Files have no children named '" + segs.get(0) + "'");
      }
      target = ensurePathNode(rootDir, segs);
    }
    if (target instanceof FileNode f) {
      if (t.equals("check")) {
        return check(req, f.si(), false, 0);
      }
      throw WebError.handler(400, "POST to file: bad t=" + t);
    }
    DirRef dir = (DirRef) target;
    return switch (t) {
      case "mkdir" -> mkdirByName(req, dir);
      case "relink" -> relink(req, dir, true);
      case "rename" -> relink(req, dir, false);
      case "unlink", "delete" -> unlinkForm(req, dir);
      case "uri" -> attachForm(req, dir);
      case "check" -> check(req, dir.dir().si, true, dir.dir().seq);
      case "mkdir-with-children", "mkdir-immutable", "set_children", "set-children", "upload",
          "start-deep-check", "stream-deep-check", "start-manifest", "stream-manifest", "start-deep-size",
          "start-deep-stats" -> throw WebError.handler(400, "emulator: t=" + t + " is not emulated");
      default -> throw WebError.handler(400, "POST to a directory with bad t=" + t);
    };
  }

  private Node traverse(Node root, List<String> segs) throws WebError {
    Node node = root;
    for (String s : segs) {
      if (!(node instanceof DirRef d)) {
        throw WebError.handler(400, "Files have no children named '" + s + "'");
      }
      Link l = d.dir().children.get(s);
      if (l == null) {
        throw WebError.noSuchChild(s, true);
      }
      node = grid.follow(l, d.writable());
    }
    return node;
  }

  private Node ensurePathNode(DirRef rootDir, List<String> segs) throws WebError {
    DirRef parent = ensureDirs(rootDir, segs.subList(0, segs.size() - 1));
    String last = segs.get(segs.size() - 1);
    Link l = parent.dir().children.get(last);
    if (l != null) {
      return grid.follow(l, parent.writable());
    }
    return ensureDirs(parent, List.of(last));
  }

  private Resp mkdirByName(Req req, DirRef dir) throws WebError {
    String name = req.arg("name");
    if (name == null || name.isEmpty()) {
      return Resp.text(200, dir.cap());
    }
    name = Normalizer.normalize(name, Normalizer.Form.NFC);
    requireWritable(dir);
    Replace replace = replaceArg(req.arg("replace", "true"));
    checkReplace(dir.dir().children.get(name), replace);
    Grid.DirNode nd = grid.newDirectory(mdmf(req));
    setLink(dir, name, nd.writeCap);
    return Resp.text(200, nd.writeCap);
  }

  private Resp relink(Req req, DirRef dir, boolean allowToDir) throws WebError {
    String fromName = req.arg("from_name");
    if (fromName == null) {
      throw WebError.handler(400, "t=" + (allowToDir ? "relink" : "rename") + " requires from_name=");
    }
    fromName = Normalizer.normalize(fromName.strip(), Normalizer.Form.NFC);
    String toNameArg = req.arg("to_name");
    if (!allowToDir && (toNameArg == null || req.arg("to_dir") != null)) {
      throw WebError.handler(400, toNameArg == null ? "t=rename requires to_name=" : "t=rename does not accept to_dir=");
    }
    String toName = toNameArg == null ? fromName : Normalizer.normalize(toNameArg.strip(), Normalizer.Form.NFC);
    if (fromName.contains("/") || toName.contains("/")) {
      throw WebError.handler(400, "from_name= and to_name= may not contain a slash");
    }
    Replace replace = replaceArg(req.arg("replace", "true"));
    DirRef target = dir;
    String toDir = req.arg("to_dir");
    if (toDir != null) {
      String[] parts = toDir.split("/", -1);
      String capPart = parts[0].startsWith("URI:") ? parts[0] : null;
      if (capPart == null) {
        throw WebError.handler(400, "to_dir is not a directory");
      }
      List<String> sub = new ArrayList<>();
      for (int i = 1; i < parts.length; i++) {
        if (!parts[i].isEmpty()) {
          sub.add(Normalizer.normalize(parts[i], Normalizer.Form.NFC));
        }
      }
      Node n = traverse(grid.resolve(capPart), sub);
      if (!(n instanceof DirRef d)) {
        throw WebError.handler(400, "to_dir is not a directory");
      }
      target = d;
    }
    requireWritable(dir);
    requireWritable(target);
    Link source = dir.dir().children.get(fromName);
    if (source == null) {
      throw WebError.noSuchChild(fromName, false);
    }
    if (target.dir() == dir.dir() && fromName.equals(toName)) {
      return Resp.text(200, "thing moved");
    }
    checkReplace(target.dir().children.get(toName), replace);
    // Step 1 (one publish): link the child under its new name. Step 2 (another publish): unlink the old name.
    setLink(target, toName, source.cap());
    if (emulator.crashBetweenRelinkSteps) {
      throw new Crash();
    }
    dir.dir().children.remove(fromName);
    dir.dir().seq++;
    return Resp.text(200, "thing moved");
  }

  private Resp unlinkForm(Req req, DirRef dir) throws WebError {
    String name = req.arg("name");
    if (name == null) {
      throw WebError.handler(400, "t=unlink requires name=");
    }
    name = Normalizer.normalize(name, Normalizer.Form.NFC);
    requireWritable(dir);
    if (dir.dir().children.remove(name) == null) {
      throw WebError.noSuchChild(name, false);
    }
    dir.dir().seq++;
    return Resp.text(200, "thing unlinked");
  }

  private Resp attachForm(Req req, DirRef dir) throws WebError {
    String name = req.arg("name");
    String cap = req.arg("uri");
    if (name == null || cap == null) {
      throw WebError.handler(400, "t=uri requires name= and uri=");
    }
    name = Normalizer.normalize(name, Normalizer.Form.NFC);
    cap = cap.strip();
    requireLinkable(cap);
    requireWritable(dir);
    checkReplace(dir.dir().children.get(name), replaceArg(req.arg("replace", "true")));
    setLink(dir, name, cap);
    return Resp.text(200, cap);
  }

  private Resp check(Req req, String si, boolean mutable, long seq) throws WebError {
    boolean addLease = isTrue(req.arg("add-lease", "false"), "add-lease");
    isTrue(req.arg("verify", "false"), "verify");
    boolean json = "json".equalsIgnoreCase(req.arg("output", ""));
    if (si != null && addLease) {
      grid.leaseRenewals.merge(si, 1, Integer::sum);
    }
    if (!json) {
      return new Resp(200, HTML, "<html><body><div>Healthy</div></body></html>".getBytes(StandardCharsets.UTF_8));
    }
    Map<String, Object> data = new LinkedHashMap<>();
    if (si == null) {
      data.put("storage-index", "");
      data.put("results", Map.of("healthy", true));
      return Resp.json(data);
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
    return Resp.json(data);
  }

  // ---------------------------------------------------------------- DELETE

  private Resp delete(Node root, List<String> segs) throws WebError {
    if (segs.isEmpty()) {
      throw WebError.handler(400, "DELETE needs a child name");
    }
    Node parentNode = traverse(root, segs.subList(0, segs.size() - 1));
    String name = segs.get(segs.size() - 1);
    if (!(parentNode instanceof DirRef parent)) {
      throw WebError.handler(400, "Files have no children named '" + name + "'");
    }
    Link l = parent.dir().children.get(name);
    if (l == null) {
      throw WebError.noSuchChild(name, true);
    }
    requireWritable(parent);
    parent.dir().children.remove(name);
    parent.dir().seq++;
    return Resp.text(200, l.cap());
  }

  // ---------------------------------------------------------------- errors and parsing

  private static Resp errorResponse(WebError e, Headers requestHeaders) {
    String msg = e.getMessage();
    return switch (e.kind) {
      case TRAVERSAL -> new Resp(e.status, ERROR_HTML, errorPage(e.status, msg).getBytes(StandardCharsets.UTF_8));
      case HANDLER -> new Resp(e.status, ERROR_TEXT, msg.getBytes(StandardCharsets.UTF_8));
      case JSON -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", msg);
        yield new Resp(e.status, ERROR_TEXT, (PythonJson.dumps(m) + "\n").getBytes(StandardCharsets.UTF_8));
      }
      case TRACEBACK -> {
        String tb = "Traceback (most recent call last):\n"
            + "  File \"/usr/lib/python3/dist-packages/allmydata/web/common.py\", line 612, in _renderHTTP\n"
            + "    result = yield maybeDeferred(self._render, request)\n"
            + "Failure: " + e.exceptionClass + ": " + msg + "\n";
        if (wantsHtml(requestHeaders.getFirst("Accept"))) {
          yield new Resp(500, HTML, ("<html><head><title>500 - Internal Server Error</title></head><body>"
              + "<b>Error</b><pre>" + escape(tb) + "</pre></body></html>").getBytes(StandardCharsets.UTF_8));
        }
        yield new Resp(500, ERROR_TEXT, tb.getBytes(StandardCharsets.UTF_8));
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

  /** Percent-decodes a path segment to UTF-8; invalid UTF-8 is a 500 as on a real gateway. */
  private static String decodeSegment(String raw) throws WebError {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(percentDecode(raw, false)))
          .toString();
    } catch (CharacterCodingException | IllegalArgumentException e) {
      throw WebError.traceback("builtins.UnicodeDecodeError", "Processing Failed");
    }
  }

  private static byte[] percentDecode(String s, boolean plusIsSpace) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      if (c == '+' && plusIsSpace) {
        out.write(' ');
      } else if (c < 0x80) {
        out.write(c);
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toByteArray();
  }

  /** Python's {@code parse_qs(keep_blank_values=True)}: {@code +} is a space, values decoded as UTF-8. */
  private static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.computeIfAbsent(new String(percentDecode(k, true), StandardCharsets.UTF_8), x -> new ArrayList<>())
          .add(new String(percentDecode(v, true), StandardCharsets.UTF_8));
    }
    return out;
  }
}
