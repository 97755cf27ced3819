package org.truckeefs.testkit.fs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.truckeefs.api.FsError;
import org.truckeefs.api.InodeId;

/**
 * The obviously-correct filesystem the model-based suite compares against: a tree of named nodes, byte arrays for
 * content, link counts, and open-handle slots. Each operation answers what Linux would: success (an empty set) or
 * the errors Linux may give (more than one where the kernel's check order makes several right).
 */
final class ReferenceModel {
  static final int SLOTS = 8;

  static final class Node {
    final boolean dir;
    final TreeMap<String, Node> children;
    Node parent;
    byte[] data = new byte[0];
    int size;
    int nlink;
    InodeId real;

    Node(boolean dir, Node parent) {
      this.dir = dir;
      this.parent = parent;
      this.children = dir ? new TreeMap<>() : null;
      this.nlink = 1;
    }

    int subdirs() {
      int n = 0;
      for (Node c : children.values()) {
        if (c.dir) {
          n++;
        }
      }
      return n;
    }

    byte[] content() {
      return Arrays.copyOf(data, size);
    }

    void resize(int newSize) {
      if (newSize > data.length) {
        data = Arrays.copyOf(data, Math.max(newSize, data.length * 2));
      } else if (newSize < size) {
        Arrays.fill(data, newSize, size, (byte) 0);
      }
      size = newSize;
    }

    void write(long offset, byte[] bytes) {
      int end = (int) offset + bytes.length;
      if (end > size) {
        resize(end);
      }
      System.arraycopy(bytes, 0, data, (int) offset, bytes.length);
    }
  }

  record Slot(Node node, boolean readable, boolean writable) {}

  /** Where a path leads: an error, or the parent directory, the final name and the node it names (or null). */
  record Resolution(Set<FsError> error, Node parent, String name, Node node) {
    boolean failed() {
      return error != null;
    }
  }

  final Node root = new Node(true, null);
  final Slot[] slots = new Slot[SLOTS];

  ReferenceModel() {
    root.parent = root;
  }

  static List<String> components(String path) {
    List<String> out = new ArrayList<>();
    for (String c : path.split("/")) {
      if (!c.isEmpty()) {
        out.add(c);
      }
    }
    return out;
  }

  Resolution resolve(String path) {
    List<String> comps = components(path);
    Node dir = root;
    for (int i = 0; i < comps.size() - 1; i++) {
      Node next = dir.children.get(comps.get(i));
      if (next == null) {
        return new Resolution(EnumSet.of(FsError.NOT_FOUND), null, null, null);
      }
      if (!next.dir) {
        return new Resolution(EnumSet.of(FsError.NOT_DIRECTORY), null, null, null);
      }
      dir = next;
    }
    String last = comps.get(comps.size() - 1);
    return new Resolution(null, dir, last, dir.children.get(last));
  }

  int freeSlot() {
    for (int i = 0; i < SLOTS; i++) {
      if (slots[i] == null) {
        return i;
      }
    }
    return -1;
  }

  static boolean isAncestorOrSelf(Node ancestor, Node node) {
    Node n = node;
    while (true) {
      if (n == ancestor) {
        return true;
      }
      if (n.parent == n) {
        return false;
      }
      n = n.parent;
    }
  }

  static Set<FsError> ok() {
    return EnumSet.noneOf(FsError.class);
  }

  // ---- namespace operations: each returns the expected errors (empty = success) and applies the change on success

  Set<FsError> mkdir(String path) {
    Resolution r = resolve(path);
    if (r.failed()) {
      return r.error;
    }
    if (r.node != null) {
      return EnumSet.of(FsError.EXISTS);
    }
    r.parent.children.put(r.name, new Node(true, r.parent));
    return ok();
  }

  Set<FsError> rmdir(String path) {
    Resolution r = resolve(path);
    if (r.failed()) {
      return r.error;
    }
    if (r.node == null) {
      return EnumSet.of(FsError.NOT_FOUND);
    }
    if (!r.node.dir) {
      return EnumSet.of(FsError.NOT_DIRECTORY);
    }
    if (!r.node.children.isEmpty()) {
      return EnumSet.of(FsError.NOT_EMPTY);
    }
    r.parent.children.remove(r.name);
    return ok();
  }

  Set<FsError> unlink(String path) {
    Resolution r = resolve(path);
    if (r.failed()) {
      return r.error;
    }
    if (r.node == null) {
      return EnumSet.of(FsError.NOT_FOUND);
    }
    if (r.node.dir) {
      return EnumSet.of(FsError.IS_DIRECTORY);
    }
    r.parent.children.remove(r.name);
    r.node.nlink--;
    return ok();
  }

  Set<FsError> link(String src, String dst) {
    Resolution s = resolve(src);
    Resolution d = resolve(dst);
    Set<FsError> errors = EnumSet.noneOf(FsError.class);
    if (s.failed()) {
      errors.addAll(s.error);
    } else if (s.node == null) {
      errors.add(FsError.NOT_FOUND);
    }
    if (d.failed()) {
      errors.addAll(d.error);
    }
    if (!errors.isEmpty()) {
      return errors;
    }
    if (d.node != null) {
      errors.add(FsError.EXISTS);
    }
    if (s.node.dir) {
      errors.add(FsError.NOT_PERMITTED);
    }
    if (!errors.isEmpty()) {
      return errors;
    }
    d.parent.children.put(d.name, s.node);
    s.node.nlink++;
    return ok();
  }

  Set<FsError> rename(String src, String dst, boolean noReplace) {
    Resolution s = resolve(src);
    Resolution d = resolve(dst);
    Set<FsError> errors = EnumSet.noneOf(FsError.class);
    if (s.failed()) {
      errors.addAll(s.error);
    }
    if (d.failed()) {
      errors.addAll(d.error);
    }
    if (!s.failed() && s.node == null) {
      errors.add(FsError.NOT_FOUND);
    }
    if (!errors.isEmpty()) {
      return errors;
    }
    Node from = s.node;
    Node to = d.node;
    if (noReplace && to != null) {
      errors.add(FsError.EXISTS);
    }
    if (to != null && to != from) {
      if (from.dir && !to.dir) {
        errors.add(FsError.NOT_DIRECTORY);
      }
      if (!from.dir && to.dir) {
        errors.add(FsError.IS_DIRECTORY);
      }
      if (to.dir && !to.children.isEmpty()) {
        errors.add(FsError.NOT_EMPTY);
      }
    }
    if (from.dir && from != to && isAncestorOrSelf(from, d.parent)) {
      errors.add(FsError.INVALID);
    }
    if (to != null && to.dir && to != from && isAncestorOrSelf(to, s.parent)) {
      errors.add(FsError.NOT_EMPTY);
    }
    if (!errors.isEmpty()) {
      return errors;
    }
    if (to == from) {
      return ok(); // same inode (same name, or two hard links): nothing to do
    }
    if (to != null) {
      d.parent.children.remove(d.name);
      to.nlink--;
    }
    s.parent.children.remove(s.name);
    d.parent.children.put(d.name, from);
    if (from.dir) {
      from.parent = d.parent;
    }
    return ok();
  }

  // ---- file operations

  /** CREATE; on success the new handle is in {@code slots[slot]}. */
  Set<FsError> create(String path, int variant, int slot) {
    Resolution r = resolve(path);
    if (r.failed()) {
      return r.error;
    }
    Node n = r.node;
    if (n != null) {
      if (variant == 1) {
        return EnumSet.of(FsError.EXISTS);
      }
      if (n.dir) {
        return EnumSet.of(FsError.IS_DIRECTORY);
      }
      if (variant == 2) {
        n.resize(0);
      }
    } else {
      n = new Node(false, null);
      r.parent.children.put(r.name, n);
    }
    slots[slot] = new Slot(n, true, true);
    return ok();
  }

  /** Whether OPEN of {@code path} with {@code variant} is outside the model (a directory opened read-only). */
  boolean openIsUnmodelled(String path, int variant) {
    Resolution r = resolve(path);
    return !r.failed() && r.node != null && r.node.dir && variant == 1;
  }

  Set<FsError> open(String path, int variant, int slot) {
    Resolution r = resolve(path);
    if (r.failed()) {
      return r.error;
    }
    if (r.node == null) {
      return EnumSet.of(FsError.NOT_FOUND);
    }
    if (r.node.dir) {
      return EnumSet.of(FsError.IS_DIRECTORY);
    }
    if (variant == 2) {
      r.node.resize(0);
    }
    slots[slot] = new Slot(r.node, variant != 3, variant != 1);
    return ok();
  }

  Set<FsError> truncatePath(String path, int size) {
    Resolution r = resolve(path);
    if (r.failed()) {
      return r.error;
    }
    if (r.node == null) {
      return EnumSet.of(FsError.NOT_FOUND);
    }
    if (r.node.dir) {
      return EnumSet.of(FsError.IS_DIRECTORY);
    }
    r.node.resize(size);
    return ok();
  }
}
