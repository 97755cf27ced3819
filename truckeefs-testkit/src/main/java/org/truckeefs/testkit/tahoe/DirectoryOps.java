package org.truckeefs.testkit.tahoe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.truckeefs.testkit.tahoe.Grid.DirRef;
import org.truckeefs.testkit.tahoe.Grid.Link;
import org.truckeefs.testkit.tahoe.Grid.Node;
import org.truckeefs.testkit.tahoe.WapiArgs.Replace;

/**
 * Walks and edits the directory tree with Tahoe's semantics: each edit of a directory is one publish (its
 * {@code seq} goes up), so a relink is two, and the crash hook can fall between them.
 */
final class DirectoryOps {
  /** Thrown after relink's first step when the crash hook is set. */
  static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Crash() {
      super(null, null, false, false);
    }
  }

  private final TahoeGatewayEmulator emulator;
  private final Grid grid;

  DirectoryOps(TahoeGatewayEmulator emulator) {
    this.emulator = emulator;
    this.grid = emulator.grid;
  }

  /** {@code node} as the directory that should hold {@code child}; a file there is a handler's 400. */
  static DirRef asDir(Node node, String child) throws WebError {
    if (!(node instanceof DirRef d)) {
      throw WebError.handler(400, "Files have no children named '" + child + "'");
    }
    return d;
  }

  static boolean isDirCap(String cap) {
    return cap.startsWith("URI:DIR2");
  }

  static void requireWritable(DirRef d) throws WebError {
    if (!d.writable()) {
      throw WebError.notWriteable();
    }
  }

  private static void requireLinkable(String cap) throws WebError {
    if (!Grid.isKnownCapForm(cap)) {
      throw WebError.handler(400, "MustNotBeUnknownRWError: cannot attach unknown rw cap as child");
    }
  }

  static void checkReplace(Link existing, Replace replace) throws WebError {
    if (existing == null) {
      return;
    }
    if (replace == Replace.FALSE || (replace == Replace.ONLY_FILES && isDirCap(existing.cap()))) {
      throw WebError.existingChild();
    }
  }

  /** Links {@code cap} as {@code name}, keeping the link's creation time when it replaces one. */
  void setLink(DirRef parent, String name, String cap) {
    double now = emulator.nowSeconds();
    Link old = parent.dir().children.get(name);
    String rw = Grid.isWriteCap(cap) ? cap : null;
    parent.dir().children.put(name, new Link(rw, grid.readOnly(cap), old == null ? now : old.linkcrtime, now));
    parent.dir().seq++;
  }

  Node traverse(Node root, List<String> segs) throws WebError {
    Node node = root;
    for (String s : segs) {
      DirRef d = asDir(node, s);
      Link l = d.dir().children.get(s);
      if (l == null) {
        throw WebError.noSuchChild(s, true);
      }
      node = grid.follow(l, d.writable());
    }
    return node;
  }

  /** Walks {@code segs} from {@code start}, creating missing directories; a file in the way is a 409. */
  DirRef ensureDirs(DirRef start, List<String> segs) throws WebError {
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

  /** Like {@link #ensureDirs}, but the last component may be a file, which is returned. */
  Node ensurePathNode(DirRef rootDir, List<String> segs) throws WebError {
    DirRef parent = ensureDirs(rootDir, segs.subList(0, segs.size() - 1));
    String last = segs.get(segs.size() - 1);
    Link l = parent.dir().children.get(last);
    if (l != null) {
      return grid.follow(l, parent.writable());
    }
    return ensureDirs(parent, List.of(last));
  }

  /** {@code PUT|POST path?t=mkdir}: an existing directory there is answered, not replaced. */
  WapiResponse mkdirByPath(WapiRequest req, DirRef rootDir, List<String> segs) throws WebError {
    DirRef parent = ensureDirs(rootDir, segs.subList(0, segs.size() - 1));
    String name = segs.get(segs.size() - 1);
    Link l = parent.dir().children.get(name);
    if (l != null) {
      Node n = grid.follow(l, parent.writable());
      if (n instanceof DirRef d) {
        return WapiResponse.text(200, d.cap());
      }
      throw WebError.handler(400, "POST to file: bad t=mkdir");
    }
    requireWritable(parent);
    return linkNewDirectory(req, parent, name);
  }

  /** {@code POST dir?t=mkdir&name=}: replaces an existing child (a directory too) unless replace= says not to. */
  WapiResponse mkdirByName(WapiRequest req, DirRef dir) throws WebError {
    String name = req.arg("name");
    if (name == null || name.isEmpty()) {
      return WapiResponse.text(200, dir.cap());
    }
    name = WapiArgs.nfc(name);
    requireWritable(dir);
    Replace replace = WapiArgs.replace(req);
    checkReplace(dir.dir().children.get(name), replace);
    return linkNewDirectory(req, dir, name);
  }

  private WapiResponse linkNewDirectory(WapiRequest req, DirRef parent, String name) throws WebError {
    Grid.DirNode nd = grid.newDirectory(WapiArgs.mdmf(req));
    setLink(parent, name, nd.writeCap);
    return WapiResponse.text(200, nd.writeCap);
  }

  /** {@code POST dir?t=relink} ({@code allowToDir}) or {@code t=rename}: two publishes, link then unlink. */
  WapiResponse relink(WapiRequest req, DirRef dir, boolean allowToDir) throws WebError {
    String fromName = req.arg("from_name");
    if (fromName == null) {
      throw WebError.handler(400, "t=" + (allowToDir ? "relink" : "rename") + " requires from_name=");
    }
    fromName = WapiArgs.nfc(fromName.strip());
    String toNameArg = req.arg("to_name");
    if (!allowToDir && (toNameArg == null || req.arg("to_dir") != null)) {
      throw WebError.handler(400, toNameArg == null ? "t=rename requires to_name=" : "t=rename does not accept to_dir=");
    }
    String toName = toNameArg == null ? fromName : WapiArgs.nfc(toNameArg.strip());
    if (fromName.contains("/") || toName.contains("/")) {
      throw WebError.handler(400, "from_name= and to_name= may not contain a slash");
    }
    Replace replace = WapiArgs.replace(req);
    String toDir = req.arg("to_dir");
    DirRef target = toDir == null ? dir : toDir(toDir);
    requireWritable(dir);
    requireWritable(target);
    Link source = dir.dir().children.get(fromName);
    if (source == null) {
      throw WebError.noSuchChild(fromName, false);
    }
    if (target.dir() == dir.dir() && fromName.equals(toName)) {
      return WapiResponse.text(200, "thing moved");
    }
    checkReplace(target.dir().children.get(toName), replace);
    // Step 1 (one publish): link the child under its new name. Step 2 (another publish): unlink the old name.
    setLink(target, toName, source.cap());
    if (emulator.crashBetweenRelinkSteps) {
      throw new Crash();
    }
    dir.dir().children.remove(fromName);
    dir.dir().seq++;
    return WapiResponse.text(200, "thing moved");
  }

  /** relink's {@code to_dir=}: a directory cap, optionally followed by a path below it. */
  private DirRef toDir(String toDir) throws WebError {
    String[] parts = toDir.split("/", -1);
    if (!parts[0].startsWith("URI:")) {
      throw WebError.handler(400, "to_dir is not a directory");
    }
    List<String> sub = new ArrayList<>();
    for (int i = 1; i < parts.length; i++) {
      if (!parts[i].isEmpty()) {
        sub.add(WapiArgs.nfc(parts[i]));
      }
    }
    Node n = traverse(grid.resolve(parts[0]), sub);
    if (!(n instanceof DirRef d)) {
      throw WebError.handler(400, "to_dir is not a directory");
    }
    return d;
  }

  /** {@code POST dir?t=unlink&name=} (or {@code t=delete}). */
  WapiResponse unlinkForm(WapiRequest req, DirRef dir) throws WebError {
    String name = req.arg("name");
    if (name == null) {
      throw WebError.handler(400, "t=unlink requires name=");
    }
    name = WapiArgs.nfc(name);
    requireWritable(dir);
    if (dir.dir().children.remove(name) == null) {
      throw WebError.noSuchChild(name, false);
    }
    dir.dir().seq++;
    return WapiResponse.text(200, "thing unlinked");
  }

  /** {@code POST dir?t=uri&name=&uri=}. */
  WapiResponse attachForm(WapiRequest req, DirRef dir) throws WebError {
    String name = req.arg("name");
    String cap = req.arg("uri");
    if (name == null || cap == null) {
      throw WebError.handler(400, "t=uri requires name= and uri=");
    }
    name = WapiArgs.nfc(name);
    cap = cap.strip();
    requireLinkable(cap);
    requireWritable(dir);
    checkReplace(dir.dir().children.get(name), WapiArgs.replace(req));
    setLink(dir, name, cap);
    return WapiResponse.text(200, cap);
  }

  /** {@code PUT path?t=uri}: the body is the cap to link. */
  WapiResponse attachBody(WapiRequest req, DirRef parent, String name, Link existing, Replace replace)
      throws WebError {
    String cap = new String(req.body(), StandardCharsets.UTF_8).strip();
    requireLinkable(cap);
    checkReplace(existing, replace);
    setLink(parent, name, cap);
    return WapiResponse.text(200, cap);
  }

  /** {@code DELETE path}: answers the unlinked child's cap. */
  WapiResponse delete(Node root, List<String> segs) throws WebError {
    if (segs.isEmpty()) {
      throw WebError.handler(400, "DELETE needs a child name");
    }
    String name = segs.get(segs.size() - 1);
    DirRef parent = asDir(traverse(root, segs.subList(0, segs.size() - 1)), name);
    Link l = parent.dir().children.get(name);
    if (l == null) {
      throw WebError.noSuchChild(name, true);
    }
    requireWritable(parent);
    parent.dir().children.remove(name);
    parent.dir().seq++;
    return WapiResponse.text(200, l.cap());
  }
}
