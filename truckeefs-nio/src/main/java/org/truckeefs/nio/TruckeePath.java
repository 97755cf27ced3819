package org.truckeefs.nio;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A Unix path on a {@link TruckeeFileSystem}: '/' separated, the working directory is the root. Purely syntactic
 * (like the JDK's UnixPath) except for {@link #toRealPath}, which asks the filesystem.
 */
final class TruckeePath implements Path {
  private final TruckeeFileSystem fs;
  /** Without repeated or trailing slashes; "" is the empty path, "/" the root. */
  private final String path;
  private volatile String[] names;

  TruckeePath(TruckeeFileSystem fs, String path) {
    this.fs = fs;
    this.path = path;
  }

  static TruckeePath parse(TruckeeFileSystem fs, String first, String... more) {
    StringBuilder sb = new StringBuilder(first);
    for (String m : more) {
      if (!m.isEmpty()) {
        if (sb.length() > 0) {
          sb.append('/');
        }
        sb.append(m);
      }
    }
    String s = sb.toString();
    if (s.indexOf('\0') >= 0) {
      throw new java.nio.file.InvalidPathException(s, "NUL character not allowed");
    }
    return new TruckeePath(fs, clean(s));
  }

  private static String clean(String s) {
    StringBuilder out = new StringBuilder(s.length());
    char prev = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '/' && prev == '/') {
        continue;
      }
      out.append(c);
      prev = c;
    }
    if (out.length() > 1 && out.charAt(out.length() - 1) == '/') {
      out.setLength(out.length() - 1);
    }
    return out.toString();
  }

  private String[] names() {
    String[] n = names;
    if (n == null) {
      String body = isAbsolute() ? path.substring(1) : path;
      n = body.isEmpty() ? (path.isEmpty() ? new String[] {""} : new String[0]) : body.split("/");
      names = n;
    }
    return n;
  }

  /** The absolute path string the core resolves. */
  String absolute() {
    return isAbsolute() ? path : path.isEmpty() ? "/" : "/" + path;
  }

  @Override
  public TruckeeFileSystem getFileSystem() {
    return fs;
  }

  @Override
  public boolean isAbsolute() {
    return path.startsWith("/");
  }

  @Override
  public Path getRoot() {
    return isAbsolute() ? new TruckeePath(fs, "/") : null;
  }

  @Override
  public Path getFileName() {
    if (path.equals("/")) {
      return null;
    }
    if (path.isEmpty()) {
      return this;
    }
    String[] n = names();
    return new TruckeePath(fs, n[n.length - 1]);
  }

  @Override
  public Path getParent() {
    String[] n = names();
    if (n.length == 0 || (n.length == 1 && !isAbsolute())) {
      return null;
    }
    int cut = path.lastIndexOf('/');
    return new TruckeePath(fs, cut == 0 ? "/" : path.substring(0, cut));
  }

  @Override
  public int getNameCount() {
    return names().length;
  }

  @Override
  public Path getName(int index) {
    String[] n = names();
    if (index < 0 || index >= n.length) {
      throw new IllegalArgumentException("no name " + index + " in " + path);
    }
    return new TruckeePath(fs, n[index]);
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    String[] n = names();
    if (beginIndex < 0 || endIndex > n.length || beginIndex >= endIndex) {
      throw new IllegalArgumentException("bad subpath " + beginIndex + ".." + endIndex + " of " + path);
    }
    return new TruckeePath(fs, String.join("/", Arrays.copyOfRange(n, beginIndex, endIndex)));
  }

  @Override
  public boolean startsWith(Path other) {
    if (!(other instanceof TruckeePath o) || o.fs != fs || o.isAbsolute() != isAbsolute()) {
      return false;
    }
    String[] a = names();
    String[] b = o.names();
    if (o.path.isEmpty()) {
      return path.isEmpty();
    }
    if (b.length > a.length) {
      return false;
    }
    for (int i = 0; i < b.length; i++) {
      if (!a[i].equals(b[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean endsWith(Path other) {
    if (!(other instanceof TruckeePath o) || o.fs != fs) {
      return false;
    }
    if (o.isAbsolute()) {
      return o.path.equals(path);
    }
    if (o.path.isEmpty()) {
      return path.isEmpty();
    }
    String[] a = names();
    String[] b = o.names();
    if (b.length > a.length) {
      return false;
    }
    for (int i = 0; i < b.length; i++) {
      if (!a[a.length - b.length + i].equals(b[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Path normalize() {
    List<String> out = new ArrayList<>();
    for (String n : names()) {
      if (n.equals(".") || n.isEmpty()) {
        continue;
      }
      if (n.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
          continue;
        }
        if (isAbsolute()) {
          continue; // "/.." is "/"
        }
      }
      out.add(n);
    }
    String joined = String.join("/", out);
    return new TruckeePath(fs, isAbsolute() ? "/" + joined : joined);
  }

  @Override
  public TruckeePath resolve(Path other) {
    TruckeePath o = check(other);
    if (o.isAbsolute()) {
      return o;
    }
    if (o.path.isEmpty()) {
      return this;
    }
    if (path.isEmpty()) {
      return o;
    }
    return new TruckeePath(fs, path.equals("/") ? "/" + o.path : path + "/" + o.path);
  }

  @Override
  public Path relativize(Path other) {
    TruckeePath o = check(other);
    if (o.isAbsolute() != isAbsolute()) {
      throw new IllegalArgumentException("'other' is different type of Path");
    }
    if (o.path.equals(path)) {
      return new TruckeePath(fs, "");
    }
    String[] a = path.isEmpty() ? new String[0] : names();
    String[] b = o.path.isEmpty() ? new String[0] : o.names();
    int common = 0;
    while (common < a.length && common < b.length && a[common].equals(b[common])) {
      common++;
    }
    List<String> out = new ArrayList<>();
    for (int i = common; i < a.length; i++) {
      out.add("..");
    }
    out.addAll(Arrays.asList(b).subList(common, b.length));
    return new TruckeePath(fs, String.join("/", out));
  }

  @Override
  public URI toUri() {
    try {
      return new URI(TruckeeFileSystemProvider.SCHEME, fs.name(), absolute(), null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("filesystem name " + fs.name() + " makes no URI", e);
    }
  }

  @Override
  public TruckeePath toAbsolutePath() {
    return isAbsolute() ? this : new TruckeePath(fs, absolute());
  }

  @Override
  public Path toRealPath(LinkOption... options) throws IOException {
    boolean follow = !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
    TruckeePath abs = (TruckeePath) toAbsolutePath().normalize();
    if (!follow) {
      fs.provider().readAttributes(abs, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return abs;
    }
    // Resolve one component at a time so every symbolic link is replaced by its target.
    TruckeePath cur = new TruckeePath(fs, "/");
    List<String> todo = new ArrayList<>(Arrays.asList(abs.names()));
    int hops = 0;
    while (!todo.isEmpty()) {
      String n = todo.remove(0);
      if (n.isEmpty() || n.equals(".")) {
        continue;
      }
      if (n.equals("..")) {
        TruckeePath p = (TruckeePath) cur.getParent();
        cur = p == null ? cur : p;
        continue;
      }
      TruckeePath next = cur.resolve(new TruckeePath(fs, n));
      var attrs = fs.provider().readAttributes(next, java.nio.file.attribute.BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      if (attrs.isSymbolicLink()) {
        if (++hops > org.truckeefs.api.PathFileSystem.MAX_SYMLINKS) {
          throw new java.nio.file.FileSystemException(toString(), null, "Too many levels of symbolic links");
        }
        TruckeePath target = (TruckeePath) fs.provider().readSymbolicLink(next);
        List<String> rest = new ArrayList<>(target.path.isEmpty() ? List.of() : Arrays.asList(target.names()));
        rest.addAll(todo);
        todo = rest;
        if (target.isAbsolute()) {
          cur = new TruckeePath(fs, "/");
        }
        continue;
      }
      cur = next;
    }
    if (cur.path.equals("/")) {
      fs.provider().readAttributes(cur, java.nio.file.attribute.BasicFileAttributes.class);
    }
    return cur;
  }

  @Override
  public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
      throws IOException {
    if (!(watcher instanceof TruckeeWatchService w) || w.fileSystem() != fs) {
      throw new ProviderMismatchException("the watch service is not this filesystem's");
    }
    return w.register(this, events);
  }

  @Override
  public int compareTo(Path other) {
    return path.compareTo(((TruckeePath) other).path);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TruckeePath p && p.fs == fs && p.path.equals(path);
  }

  @Override
  public int hashCode() {
    return Objects.hash(System.identityHashCode(fs), path);
  }

  @Override
  public String toString() {
    return path;
  }

  private TruckeePath check(Path other) {
    if (!(other instanceof TruckeePath o)) {
      throw new ProviderMismatchException("not a truckeefs path: " + other);
    }
    if (o.fs != fs) {
      throw new ProviderMismatchException("a path of another truckeefs filesystem: " + other);
    }
    return o;
  }

  static TruckeePath of(Path p) {
    if (p == null) {
      throw new NullPointerException("path");
    }
    if (!(p instanceof TruckeePath t)) {
      throw new ProviderMismatchException("not a truckeefs path: " + p);
    }
    return t;
  }
}
