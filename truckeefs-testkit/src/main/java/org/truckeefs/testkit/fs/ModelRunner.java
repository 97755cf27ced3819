package org.truckeefs.testkit.fs;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.testkit.fs.ReferenceModel.Node;
import org.truckeefs.testkit.fs.ReferenceModel.Resolution;
import org.truckeefs.testkit.fs.ReferenceModel.Slot;

/**
 * Applies {@link ModelOp}s to a real filesystem and to a {@link ReferenceModel} side by side, and reports the
 * first difference. After every step it checks what the step touched (the outcome, the directories named, the
 * sizes of the files written); {@link #fullCheck} compares the whole tree including content.
 */
final class ModelRunner {
  private static final Caller ROOT = Caller.ROOT;

  final ReferenceModel model = new ReferenceModel();
  private final FileSystem fs;
  private final PathFileSystem paths;
  private final long[] handles = new long[ReferenceModel.SLOTS];

  ModelRunner(FileSystem fs) throws FsException {
    this.fs = fs;
    this.paths = new PathFileSystem(fs);
    model.root.real = fs.root();
  }

  /** A difference between the filesystem and the model. */
  static final class Divergence extends Exception {
    private static final long serialVersionUID = 1L;

    Divergence(String message) {
      super(message, null, false, false);
    }
  }

  /** Releases every open handle (best effort; used when a run ends). */
  void releaseAll() {
    for (int i = 0; i < handles.length; i++) {
      if (model.slots[i] != null) {
        try {
          fs.release(handles[i]);
        } catch (FsException | RuntimeException e) {
          // the run is over; the filesystem is closed next
        }
        model.slots[i] = null;
      }
    }
  }

  // ---- one step

  void apply(ModelOp op) throws Divergence {
    switch (op.kind()) {
      case CREATE -> create(op);
      case OPEN -> open(op);
      case WRITE -> write(op);
      case READ -> read(op);
      case TRUNCATE_PATH -> truncatePath(op);
      case TRUNCATE_HANDLE -> truncateHandle(op);
      case CLOSE -> close(op);
      case FSYNC -> fsync(op);
      case MKDIR -> namespace(op, model.mkdir(op.path()), () -> paths.mkdir(op.path(), 0755));
      case RMDIR -> namespace(op, model.rmdir(op.path()), () -> fs.rmdir(ROOT, parentOf(op.path()), name(op.path())));
      case UNLINK -> namespace(op, model.unlink(op.path()), () -> fs.unlink(ROOT, parentOf(op.path()), name(op.path())));
      case RENAME -> namespace(op, model.rename(op.path(), op.path2(), op.variant() == 1),
          () -> paths.rename(op.path(), op.path2(), op.variant() == 1 ? RenameFlags.NOREPLACE : RenameFlags.NONE));
      case LINK -> namespace(op, model.link(op.path(), op.path2()), () -> paths.link(op.path(), op.path2()));
    }
  }

  @FunctionalInterface
  private interface Call<T> {
    T call() throws FsException;
  }

  @FunctionalInterface
  private interface VoidCall {
    void call() throws FsException;
  }

  /** Runs {@code call}; checks it failed with one of {@code expected} or, when that is empty, succeeded. */
  private <T> T expect(ModelOp op, Set<FsError> expected, Call<T> call) throws Divergence {
    try {
      T result = call.call();
      if (!expected.isEmpty()) {
        throw new Divergence(op + " succeeded; the model expected " + expected);
      }
      return result;
    } catch (FsException e) {
      if (expected.isEmpty()) {
        throw new Divergence(op + " failed with " + e.getMessage() + "; the model expected success");
      }
      if (!expected.contains(e.error())) {
        throw new Divergence(op + " failed with " + e.getMessage() + "; the model expected " + expected);
      }
      return null;
    } catch (RuntimeException e) {
      throw new Divergence(op + " threw " + e);
    }
  }

  private void namespace(ModelOp op, Set<FsError> expected, VoidCall call) throws Divergence {
    expect(op, expected, () -> {
      call.call();
      return Boolean.TRUE;
    });
    checkParentOf(op.path());
    if (op.path2() != null) {
      checkParentOf(op.path2());
    }
  }

  private void create(ModelOp op) throws Divergence {
    int slot = model.freeSlot();
    if (slot < 0) {
      return;
    }
    int flags = OpenFlags.O_RDWR | OpenFlags.O_CREAT
        | (op.variant() == 1 ? OpenFlags.O_EXCL : 0) | (op.variant() == 2 ? OpenFlags.O_TRUNC : 0);
    Set<FsError> expected = model.create(op.path(), op.variant(), slot);
    OpenResult r = expect(op, expected, () -> paths.open(op.path(), OpenFlags.of(flags), 0644));
    if (r != null) {
      handles[slot] = r.handle();
      bindOrCheck(model.slots[slot].node(), r.attributes(), op);
    }
    checkParentOf(op.path());
  }

  private void open(ModelOp op) throws Divergence {
    int slot = model.freeSlot();
    if (slot < 0 || model.openIsUnmodelled(op.path(), op.variant())) {
      return;
    }
    int flags = switch (op.variant()) {
      case 0 -> OpenFlags.O_RDWR;
      case 1 -> OpenFlags.O_RDONLY;
      case 2 -> OpenFlags.O_RDWR | OpenFlags.O_TRUNC;
      default -> OpenFlags.O_WRONLY;
    };
    Set<FsError> expected = model.open(op.path(), op.variant(), slot);
    OpenResult r = expect(op, expected, () -> paths.open(op.path(), OpenFlags.of(flags), 0644));
    if (r != null) {
      handles[slot] = r.handle();
      bindOrCheck(model.slots[slot].node(), r.attributes(), op);
      checkSize(model.slots[slot].node(), op);
    }
  }

  private void write(ModelOp op) throws Divergence {
    Slot s = model.slots[op.slot()];
    if (s == null) {
      return;
    }
    byte[] data = data(op.dataSeed(), op.length());
    if (!s.writable()) {
      expect(op, EnumSet.of(FsError.BAD_HANDLE), () -> fs.write(handles[op.slot()], op.offset(), ByteBuffer.wrap(data)));
      return;
    }
    s.node().write(op.offset(), data);
    Integer n = expect(op, ReferenceModel.ok(), () -> fs.write(handles[op.slot()], op.offset(), ByteBuffer.wrap(data)));
    if (n != op.length()) {
      throw new Divergence(op + " wrote " + n + " bytes");
    }
    checkSize(s.node(), op);
  }

  private void read(ModelOp op) throws Divergence {
    Slot s = model.slots[op.slot()];
    if (s == null) {
      return;
    }
    if (!s.readable()) {
      expect(op, EnumSet.of(FsError.BAD_HANDLE), () -> fs.read(handles[op.slot()], op.offset(), ByteBuffer.allocate(op.length())));
      return;
    }
    byte[] content = s.node().content();
    int from = (int) Math.min(op.offset(), content.length);
    byte[] want = Arrays.copyOfRange(content, from, (int) Math.min(content.length, op.offset() + op.length()));
    byte[] got = expect(op, ReferenceModel.ok(), () -> readFully(handles[op.slot()], op.offset(), op.length()));
    if (!Arrays.equals(want, got)) {
      throw new Divergence(op + " returned " + describe(got) + "; the model has " + describe(want)
          + firstDifference(want, got, op.offset()));
    }
  }

  private void truncatePath(ModelOp op) throws Divergence {
    Set<FsError> expected = model.truncatePath(op.path(), (int) op.offset());
    expect(op, expected, () -> paths.truncate(op.path(), op.offset()));
    Resolution r = model.resolve(op.path());
    if (!r.failed() && r.node() != null && !r.node().dir) {
      checkSize(r.node(), op);
    }
  }

  private void truncateHandle(ModelOp op) throws Divergence {
    Slot s = model.slots[op.slot()];
    if (s == null || !s.writable()) {
      return;
    }
    s.node().resize((int) op.offset());
    InodeAttributes a = expect(op, ReferenceModel.ok(),
        () -> fs.setattr(ROOT, s.node().real, SetAttr.truncate(op.offset()), handles[op.slot()]));
    if (a.size() != op.offset()) {
      throw new Divergence(op + " returned size " + a.size());
    }
    checkSize(s.node(), op);
  }

  private void close(ModelOp op) throws Divergence {
    if (model.slots[op.slot()] == null) {
      return;
    }
    model.slots[op.slot()] = null;
    expect(op, ReferenceModel.ok(), () -> {
      fs.flush(handles[op.slot()]);
      fs.release(handles[op.slot()]);
      return Boolean.TRUE;
    });
  }

  private void fsync(ModelOp op) throws Divergence {
    if (model.slots[op.slot()] == null) {
      return;
    }
    expect(op, ReferenceModel.ok(), () -> {
      fs.fsync(handles[op.slot()], false);
      return Boolean.TRUE;
    });
  }

  // ---- checks

  private void bindOrCheck(Node node, InodeAttributes real, Object context) throws Divergence {
    if (node.real == null) {
      node.real = real.id();
    } else if (!node.real.equals(real.id())) {
      throw new Divergence(context + ": inode " + real.id() + " where the model expects " + node.real);
    }
  }

  private void checkSize(Node node, Object context) throws Divergence {
    InodeAttributes a = getattr(node.real, context);
    if (a.size() != node.size) {
      throw new Divergence(context + ": size " + a.size() + " where the model has " + node.size);
    }
  }

  private InodeAttributes getattr(InodeId id, Object context) throws Divergence {
    try {
      return fs.getattr(id);
    } catch (FsException | RuntimeException e) {
      throw new Divergence(context + ": getattr(" + id + ") failed: " + e.getMessage());
    }
  }

  /** Compares the directory holding {@code path}'s final name, when the model says it exists. */
  private void checkParentOf(String path) throws Divergence {
    Resolution r = model.resolve(path);
    if (!r.failed()) {
      checkDirectory(r.parent(), parentPath(path), false, null);
    }
  }

  /** The whole tree, including every linked file's content. */
  void fullCheck() throws Divergence {
    Map<InodeId, Node> seen = new HashMap<>();
    checkDirectory(model.root, "/", true, seen);
  }

  private void checkDirectory(Node dir, String path, boolean recurse, Map<InodeId, Node> seen) throws Divergence {
    Map<String, DirEntry> real = list(dir.real, path);
    if (!real.keySet().equals(dir.children.keySet())) {
      throw new Divergence("directory " + path + " lists " + real.keySet() + "; the model has " + dir.children.keySet());
    }
    InodeAttributes da = getattr(dir.real, path);
    if (da.nlink() != 2 + dir.subdirs()) {
      throw new Divergence("directory " + path + " has nlink " + da.nlink() + "; the model expects " + (2 + dir.subdirs()));
    }
    String base = path.endsWith("/") ? path : path + "/";
    Map<Node, Boolean> contentChecked = new IdentityHashMap<>();
    for (Map.Entry<String, Node> e : dir.children.entrySet()) {
      String childPath = base + e.getKey();
      Node child = e.getValue();
      DirEntry de = real.get(e.getKey());
      if (child.real == null) {
        child.real = de.inode(); // directories made by mkdir are bound at first sight
      }
      if (!child.real.equals(de.inode())) {
        throw new Divergence(childPath + " is inode " + de.inode() + "; the model expects " + child.real);
      }
      InodeType type = child.dir ? InodeType.DIRECTORY : InodeType.FILE;
      InodeAttributes a = getattr(child.real, childPath);
      if (a.type() != type || de.type() != type) {
        throw new Divergence(childPath + " is a " + a.type() + " (readdir says " + de.type() + "); the model has a " + type);
      }
      if (seen != null) {
        Node other = seen.putIfAbsent(child.real, child);
        if (other != null && other != child) {
          throw new Divergence(childPath + " shares inode " + child.real + " with a different model node");
        }
      }
      if (!child.dir) {
        if (a.size() != child.size) {
          throw new Divergence(childPath + " has size " + a.size() + "; the model has " + child.size);
        }
        if (a.nlink() != child.nlink) {
          throw new Divergence(childPath + " has nlink " + a.nlink() + "; the model has " + child.nlink);
        }
        if (recurse && contentChecked.put(child, Boolean.TRUE) == null) {
          checkContent(child, childPath);
        }
      } else if (recurse) {
        checkDirectory(child, childPath, true, seen);
      }
    }
  }

  private void checkContent(Node file, String path) throws Divergence {
    byte[] got;
    try {
      OpenResult r = fs.open(ROOT, file.real, OpenFlags.READ);
      try {
        got = readFully(r.handle(), 0, file.size + 1);
      } finally {
        fs.release(r.handle());
      }
    } catch (FsException | RuntimeException e) {
      throw new Divergence("reading " + path + " failed: " + e.getMessage());
    }
    byte[] want = file.content();
    if (!Arrays.equals(want, got)) {
      throw new Divergence("content of " + path + " is " + describe(got) + "; the model has " + describe(want)
          + firstDifference(want, got, 0));
    }
  }

  private Map<String, DirEntry> list(InodeId dir, String path) throws Divergence {
    Map<String, DirEntry> out = new HashMap<>();
    try {
      long h = fs.opendir(ROOT, dir);
      try {
        long cookie = 0;
        DirListing page;
        do {
          page = fs.readdir(h, cookie, 64);
          for (DirEntry e : page.entries()) {
            cookie = e.cookie();
            if (!e.name().isDotOrDotDot() && out.put(e.name().toString(), e) != null) {
              throw new Divergence("directory " + path + " lists " + e.name() + " twice");
            }
          }
        } while (!page.end() && !page.entries().isEmpty());
      } finally {
        fs.releasedir(h);
      }
    } catch (FsException | RuntimeException e) {
      throw new Divergence("listing " + path + " failed: " + e.getMessage());
    }
    return out;
  }

  // ---- helpers

  private InodeId parentOf(String path) throws FsException {
    return paths.stat(parentPath(path)).id();
  }

  private static org.truckeefs.api.Name name(String path) throws FsException {
    List<String> c = ReferenceModel.components(path);
    return org.truckeefs.api.Name.of(c.get(c.size() - 1));
  }

  private static String parentPath(String path) {
    int i = path.lastIndexOf('/');
    return i <= 0 ? "/" : path.substring(0, i);
  }

  private byte[] readFully(long handle, long offset, int length) throws FsException {
    ByteBuffer dst = ByteBuffer.allocate(length);
    long pos = offset;
    while (dst.hasRemaining()) {
      int n = fs.read(handle, pos, dst);
      if (n <= 0) {
        break;
      }
      pos += n;
    }
    return Arrays.copyOf(dst.array(), dst.position());
  }

  static byte[] data(long seed, int length) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String describe(byte[] b) {
    return b.length + " bytes";
  }

  private static String firstDifference(byte[] want, byte[] got, long base) {
    int n = Math.min(want.length, got.length);
    for (int i = 0; i < n; i++) {
      if (want[i] != got[i]) {
        return " (first difference at offset " + (base + i) + ": " + got[i] + " instead of " + want[i] + ")";
      }
    }
    return want.length == got.length ? "" : " (lengths differ)";
  }
}
