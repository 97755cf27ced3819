package org.truckeefs.testkit.tahoe;

import java.util.ArrayList;
import java.util.List;
import org.truckeefs.testkit.tahoe.Grid.DirRef;
import org.truckeefs.testkit.tahoe.Grid.FileNode;
import org.truckeefs.testkit.tahoe.Grid.Link;
import org.truckeefs.testkit.tahoe.Grid.Node;
import org.truckeefs.testkit.tahoe.WapiArgs.Replace;

/**
 * Routes a parsed request by path, method and {@code t=} to the directory and file operations; called with the grid
 * lock held.
 */
final class WapiRouter {
  private final Grid grid;
  private final DirectoryOps dirs;
  private final FileOps files;
  private final WapiViews views;

  WapiRouter(TahoeGatewayEmulator emulator) {
    this.grid = emulator.grid;
    this.dirs = new DirectoryOps(emulator);
    this.files = new FileOps(grid, dirs);
    this.views = new WapiViews(emulator);
  }

  WapiResponse dispatch(WapiRequest req) throws WebError {
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
    String cap = WapiArgs.decodeSegment(raw[0]);
    List<String> segs = new ArrayList<>();
    for (int i = 1; i < raw.length; i++) {
      if (raw[i].isEmpty()) {
        if (i == raw.length - 1) {
          break; // a trailing slash names the node itself
        }
        throw WebError.handler(400, "The webapi does not allow empty pathname components");
      }
      segs.add(WapiArgs.nfc(WapiArgs.decodeSegment(raw[i])));
    }
    String t = req.arg("t", "");
    boolean dirForm = DirectoryOps.isDirCap(cap);
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
      case "DELETE" -> dirs.delete(root, segs);
      default -> throw WebError.handler(405, "method not allowed");
    };
  }

  private WapiResponse welcome(WapiRequest req) throws WebError {
    if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
      throw WebError.handler(405, "method not allowed");
    }
    if (!req.arg("t", "").equals("json")) {
      return WapiResponse.html("<html><head><title>Tahoe-LAFS - Welcome</title></head><body>emulator</body></html>");
    }
    return views.welcomeJson();
  }

  /** {@code /uri} without a cap. */
  private WapiResponse unlinked(WapiRequest req) throws WebError {
    String t = req.arg("t", "");
    if (req.method().equals("PUT") && t.isEmpty()) {
      return files.putUnlinked(req);
    }
    if ((req.method().equals("POST") || req.method().equals("PUT")) && t.equals("mkdir")) {
      return WapiResponse.text(200, grid.newDirectory(WapiArgs.mdmf(req)).writeCap);
    }
    if (req.method().equals("POST") && (t.equals("mkdir-with-children") || t.equals("mkdir-immutable")
        || t.equals("upload"))) {
      throw WebError.handler(400, "emulator: t=" + t + " is not emulated");
    }
    throw WebError.handler(400, "/uri accepts only PUT, PUT?t=mkdir, POST?t=upload, and POST?t=mkdir");
  }

  private WapiResponse get(WapiRequest req, Node root, List<String> segs, String t) throws WebError {
    Node node = root;
    Link edge = null;
    String name = null;
    for (String s : segs) {
      DirRef d = DirectoryOps.asDir(node, s);
      Link l = d.dir().children.get(s);
      if (l == null) {
        throw WebError.noSuchChild(s, true);
      }
      edge = l;
      name = s;
      try {
        node = grid.follow(l, d.writable());
      } catch (WebError e) {
        throw t.equals("json") && DirectoryOps.isDirCap(l.cap()) ? e.asJson() : e;
      }
    }
    if (node instanceof DirRef d) {
      return switch (t) {
        case "json" -> views.dirJson(d);
        case "uri" -> WapiResponse.text(200, d.cap());
        case "readonly-uri" -> WapiResponse.text(200, d.dir().readCap);
        case "" -> WapiViews.dirHtml(d);
        default -> throw WebError.handler(400, "GET directory: bad t=" + t);
      };
    }
    FileNode f = (FileNode) node;
    return switch (t) {
      case "json" -> views.fileJson(f, edge);
      case "uri", "readonly-uri" -> WapiResponse.text(200, f.cap());
      case "" -> files.download(req, f, req.arg("filename", name));
      default -> throw WebError.handler(400, "GET file: bad t=" + t);
    };
  }

  private WapiResponse put(WapiRequest req, Node root, List<String> segs, String t) throws WebError {
    if (segs.isEmpty()) {
      if (root instanceof DirRef) {
        throw WebError.handler(400, "PUT to a directory");
      }
      throw WebError.traceback("builtins.AssertionError", "");
    }
    DirRef rootDir = DirectoryOps.asDir(root, segs.get(0));
    if (t.equals("mkdir")) {
      return dirs.mkdirByPath(req, rootDir, segs);
    }
    if (!t.isEmpty() && !t.equals("uri")) {
      throw WebError.handler(400, "PUT to a file: bad t=" + t);
    }
    if (t.isEmpty() && req.headers().getFirst("Content-Range") != null) {
      throw WebError.handler(501, "Content-Range in PUT not yet supported");
    }
    Replace replace = WapiArgs.replace(req);
    DirRef parent = dirs.ensureDirs(rootDir, segs.subList(0, segs.size() - 1));
    String name = segs.get(segs.size() - 1);
    Link existing = parent.dir().children.get(name);
    DirectoryOps.requireWritable(parent);
    return t.isEmpty()
        ? files.putLinked(req, parent, name, existing, replace)
        : dirs.attachBody(req, parent, name, existing, replace);
  }

  private WapiResponse post(WapiRequest req, Node root, List<String> segs, String t) throws WebError {
    Node target;
    if (t.equals("check") || t.equals("rename") || t.equals("delete")) {
      target = dirs.traverse(root, segs);
    } else if (t.equals("mkdir") && !segs.isEmpty() && req.arg("name") == null) {
      return dirs.mkdirByPath(req, DirectoryOps.asDir(root, segs.get(0)), segs);
    } else if (segs.isEmpty()) {
      target = root;
    } else {
      // Every other t= creates missing directories on the way, the last path component included.
      target = dirs.ensurePathNode(DirectoryOps.asDir(root, segs.get(0)), segs);
    }
    if (target instanceof FileNode f) {
      if (t.equals("check")) {
        return views.check(req, f.si(), false, 0);
      }
      throw WebError.handler(400, "POST to file: bad t=" + t);
    }
    DirRef dir = (DirRef) target;
    return switch (t) {
      case "mkdir" -> dirs.mkdirByName(req, dir);
      case "relink" -> dirs.relink(req, dir, true);
      case "rename" -> dirs.relink(req, dir, false);
      case "unlink", "delete" -> dirs.unlinkForm(req, dir);
      case "uri" -> dirs.attachForm(req, dir);
      case "check" -> views.check(req, dir.dir().si, true, dir.dir().seq);
      case "mkdir-with-children", "mkdir-immutable", "set_children", "set-children", "upload",
          "start-deep-check", "stream-deep-check", "start-manifest", "stream-manifest", "start-deep-size",
          "start-deep-stats" -> throw WebError.handler(400, "emulator: t=" + t + " is not emulated");
      default -> throw WebError.handler(400, "POST to a directory with bad t=" + t);
    };
  }
}
