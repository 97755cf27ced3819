package org.truckeefs.testkit.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.PathFileSystem;

/**
 * What every FileSystem-level suite shares: a fresh filesystem per test in a temporary directory, a
 * {@link PathFileSystem} over it, a few callers, and helpers for handles, errno assertions and whole-tree
 * snapshots ("nothing changed").
 */
public abstract class FileSystemSuiteSupport {
  protected static final Caller ROOT = Caller.ROOT;
  /** An unprivileged user. */
  protected static final Caller ALICE = Caller.of(1000, 1000);
  /** Another unprivileged user, in a different group. */
  protected static final Caller BOB = Caller.of(1001, 1001);

  /** A fresh directory per test, owned by the filesystem under test. */
  @TempDir protected Path tmp;

  protected FileSystem fs;
  /** Paths over {@link #fs}, as root. */
  protected PathFileSystem paths;

  /** A new, empty filesystem keeping its state (metadata, blobs, cache) under {@code tmp}. */
  protected abstract FileSystem createFileSystem(Path tmp) throws Exception;

  /**
   * Stops {@code old} and opens a filesystem over the same persistent state, as after a restart. A suite that
   * calls {@link #restart} needs it from every configuration; the default fails the test (it never skips).
   */
  protected FileSystem reopen(FileSystem old, Path tmp) throws Exception {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " must override reopen to restart");
  }

  /** The clock the filesystem stamps times with; UTIME_NOW is checked against it. */
  protected Clock clock() {
    return Clock.systemUTC();
  }

  @BeforeEach
  void openFileSystem() throws Exception {
    fs = createFileSystem(tmp);
    paths = new PathFileSystem(fs);
  }

  @AfterEach
  void closeFileSystem() throws Exception {
    if (fs != null) {
      fs.close();
    }
  }

  /** Replaces {@link #fs} by {@link #reopen}. */
  protected void restart() throws Exception {
    fs = reopen(fs, tmp);
    paths = new PathFileSystem(fs);
  }

  // ---- assertions

  protected static FsException assertErrno(FsError expected, ThrowingCallable call) {
    FsException[] caught = new FsException[1];
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(FsException.class, e -> {
          caught[0] = e;
          assertThat(e.error()).as("errno of: %s", e.getMessage()).isEqualTo(expected);
        });
    return caught[0];
  }

  /** Like {@link #assertErrno} for calls where Linux itself answers one of several errors. */
  protected static void assertErrnoIn(List<FsError> allowed, ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).as("errno of: %s", e.getMessage()).isIn(allowed));
  }

  // ---- data and handles

  protected static byte[] bytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  protected static Name name(String s) {
    try {
      return Name.of(s);
    } catch (FsException e) {
      throw new IllegalArgumentException(e);
    }
  }

  protected InodeAttributes attr(String path) throws FsException {
    return paths.lstat(path);
  }

  protected InodeId id(String path) throws FsException {
    return paths.lstat(path).id();
  }

  /** Opens (creating if needed) {@code path} read-write, as root. */
  protected long openRw(String path) throws FsException {
    return paths.open(path, OpenFlags.READ_WRITE.with(OpenFlags.O_CREAT), 0644).handle();
  }

  protected OpenResult open(String path, OpenFlags flags) throws FsException {
    return paths.open(path, flags, 0644);
  }

  /** Writes all of {@code data} at {@code offset}, asserting the count the filesystem reports. */
  protected void writeAt(long handle, long offset, byte[] data) throws FsException {
    ByteBuffer src = ByteBuffer.wrap(data);
    long pos = offset;
    while (src.hasRemaining()) {
      int n = fs.write(handle, pos, src);
      assertThat(n).as("bytes written").isPositive();
      pos += n;
    }
  }

  /** Reads up to {@code length} bytes at {@code offset}; fewer only at end of file. */
  protected byte[] readAt(long handle, long offset, int length) throws FsException {
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

  /** Content of the file at {@code path}, as root. */
  protected byte[] content(String path) throws FsException {
    return paths.readAllBytes(path);
  }

  // ---- snapshots

  /**
   * Everything observable about the tree, as root: per path its inode, type, mode, owner, size, link count,
   * mtime, ctime, symlink target, a digest of the content and the xattrs. Access times are left out (reading the
   * content for the digest may move them).
   */
  protected Map<String, String> snapshot() throws FsException {
    Map<String, String> out = new TreeMap<>();
    snapshot("/", paths.stat("/"), out);
    return out;
  }

  private void snapshot(String path, InodeAttributes a, Map<String, String> out) throws FsException {
    StringBuilder d = new StringBuilder()
        .append(a.id()).append(' ').append(a.type()).append(" 0").append(Integer.toOctalString(a.mode()))
        .append(' ').append(a.uid()).append(':').append(a.gid())
        .append(" size=").append(a.size()).append(" nlink=").append(a.nlink())
        .append(" mtime=").append(a.mtime()).append(" ctime=").append(a.ctime());
    switch (a.type()) {
      case SYMLINK -> d.append(" -> ").append(fs.readlink(ROOT, a.id()));
      case FILE -> d.append(" sha=").append(sha(content(path)));
      default -> { }
    }
    Map<String, String> xattrs = new TreeMap<>();
    if (a.type() != org.truckeefs.api.InodeType.SYMLINK) {
      for (String x : fs.listxattr(ROOT, a.id())) {
        xattrs.put(x, HexFormat.of().formatHex(fs.getxattr(ROOT, a.id(), x)));
      }
    }
    if (!xattrs.isEmpty()) {
      d.append(" xattrs=").append(xattrs);
    }
    out.put(path, d.toString());
    if (a.isDirectory()) {
      String base = path.endsWith("/") ? path : path + "/";
      for (DirEntry e : paths.listEntries(path)) {
        snapshot(base + e.name(), fs.getattr(e.inode()), out);
      }
    }
  }

  /** Runs {@code call}, expects {@code errno}, and asserts the tree is exactly as before. */
  protected void assertFailsAndChangesNothing(FsError errno, ThrowingCallable call) throws FsException {
    Map<String, String> before = snapshot();
    assertErrno(errno, call);
    assertThat(snapshot()).as("tree after a failed call").isEqualTo(before);
  }

  protected static String sha(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
