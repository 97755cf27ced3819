package org.truckeefs.testkit.backup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.TimeSpec;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.MetadataStore;

/**
 * A small filesystem with every kind of metadata a dump must carry (nested directories, multi-chunk, sparse,
 * all-hole and empty files, a symlink, a FIFO, hard links across directories, xattrs, odd modes and owners, set
 * times, a non-UTF-8 name) and a description of a filesystem for comparing one with its restored copy.
 */
public final class SampleTree {
  private static final Caller ROOT = Caller.ROOT;

  private SampleTree() {}

  /** Builds the tree under the root of {@code fs}; {@code chunkSize} is the filesystem's chunk size. */
  public static void build(FileSystem fs, int chunkSize) throws FsException {
    InodeId root = fs.root();
    InodeAttributes docs = fs.mkdir(ROOT, root, n("docs"), 0750);
    InodeAttributes deep = fs.mkdir(ROOT, fs.mkdir(ROOT, docs.id(), n("a"), 0755).id(), n("b"), 0700);
    InodeAttributes other = fs.mkdir(ROOT, root, n("other"), 01777);
    fs.mkdir(ROOT, root, n("empty-dir"), 0755);
    InodeAttributes big = file(fs, docs.id(), "big.bin", 0640, random(3 * chunkSize + 123, 1), 0);
    file(fs, deep.id(), "small.txt", 0644, "hello, tahoe\n".getBytes(StandardCharsets.UTF_8), 0);
    file(fs, root, "sparse", 0600, random(1000, 2), 2L * chunkSize + 17);
    file(fs, root, "empty", 0444, new byte[0], 0);
    InodeAttributes hole = file(fs, root, "all-hole", 0644, new byte[0], 0);
    fs.setattr(ROOT, hole.id(), SetAttr.truncate(5L * chunkSize), 0);
    file(fs, other.id(), "same-content", 0644, random(3 * chunkSize + 123, 1), 0); // shares blobs with big.bin
    fs.link(ROOT, big.id(), other.id(), n("big-link"));
    fs.link(ROOT, big.id(), root, n("big-link-2"));
    fs.symlink(ROOT, root, n("to-small"), "docs/a/b/small.txt");
    fs.mknod(ROOT, root, n("fifo"), InodeType.FIFO.modeBits() | 0620, 0);
    fs.mkdir(ROOT, root, n("caf\u00e9 \u2603"), 0755);
    fs.setxattr(ROOT, big.id(), "user.color", "blue".getBytes(StandardCharsets.UTF_8), XattrMode.CREATE);
    fs.setxattr(ROOT, docs.id(), "user.bin", new byte[] {0, 1, 2, (byte) 0xfe}, XattrMode.CREATE);
    fs.setxattr(ROOT, root, "user.top", new byte[0], XattrMode.CREATE);
    fs.setattr(ROOT, deep.id(), SetAttr.chown(1234, 5678), 0);
    fs.setattr(ROOT, big.id(), SetAttr.chown(1000, 1000), 0);
    fs.setattr(ROOT, big.id(), SetAttr.times(TimeSpec.at(Instant.parse("2001-02-03T04:05:06.123456789Z")),
        TimeSpec.at(Instant.parse("1999-12-31T23:59:59.5Z"))), 0);
    fs.setattr(ROOT, docs.id(), SetAttr.times(TimeSpec.at(Instant.parse("2010-01-01T00:00:00Z")),
        TimeSpec.at(Instant.parse("2011-01-01T00:00:00.000000001Z"))), 0);
  }

  /**
   * Path → description of every inode reachable from the root: type, mode, owner, size, link count, rdev, all four
   * times, xattrs, symlink target, chunk map (blob references), a digest of the content read through {@code fs}, and
   * for hard links the first path of the inode. Inode ids and versions are left out: a restore renumbers.
   */
  public static Map<String, String> describe(MetadataStore meta, FileSystem fs) throws Exception {
    Map<String, String> out = new TreeMap<>();
    walk(meta, fs, meta.getAttributes(InodeId.ROOT), "/", out, new HashMap<>());
    return out;
  }

  private static void walk(MetadataStore meta, FileSystem fs, InodeAttributes a, String path, Map<String, String> out,
      Map<InodeId, String> firstPath) throws Exception {
    StringBuilder d = new StringBuilder()
        .append(a.type()).append(" mode=").append(Integer.toOctalString(a.mode()))
        .append(" uid=").append(a.uid()).append(" gid=").append(a.gid())
        .append(" size=").append(a.size()).append(" nlink=").append(a.nlink()).append(" rdev=").append(a.rdev())
        .append(" atime=").append(a.atime()).append(" mtime=").append(a.mtime())
        .append(" ctime=").append(a.ctime()).append(" crtime=").append(a.crtime());
    String first = firstPath.putIfAbsent(a.id(), path);
    if (first != null) {
      d.append(" same-inode-as=").append(first);
    }
    List<String> names = new ArrayList<>(meta.listXattr(a.id()));
    names.sort(null);
    for (String x : names) {
      d.append(" xattr:").append(x).append('=').append(HexFormat.of().formatHex(meta.getXattr(a.id(), x).get()));
    }
    if (a.isSymlink()) {
      d.append(" target=").append(meta.readSymlink(a.id()));
    }
    if (a.isFile()) {
      for (ChunkRef c : meta.chunks(a.id())) {
        d.append(" chunk").append(c.index()).append('=').append(c.blob().fingerprint()).append('/').append(c.length());
      }
      d.append(" sha256=").append(digest(fs, a.id(), a.size()));
    }
    out.put(path, d.toString());
    if (a.isDirectory()) {
      long after = 0;
      while (true) {
        List<DirEntry> page = meta.readDir(a.id(), after, 100);
        for (DirEntry e : page) {
          String child = path + (path.endsWith("/") ? "" : "/") + HexFormat.of().formatHex(e.name().bytes());
          walk(meta, fs, meta.getAttributes(e.inode()), child, out, firstPath);
          after = e.cookie();
        }
        if (page.size() < 100) {
          break;
        }
      }
    }
  }

  private static String digest(FileSystem fs, InodeId id, long size) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    long h = fs.open(ROOT, id, OpenFlags.READ).handle();
    try {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      long off = 0;
      while (true) {
        buf.clear();
        int r = fs.read(h, off, buf);
        if (r <= 0) {
          break;
        }
        buf.flip();
        md.update(buf);
        off += r;
      }
      if (off != size) {
        throw new AssertionError("read " + off + " bytes of a " + size + "-byte file");
      }
    } finally {
      fs.release(h);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static InodeAttributes file(FileSystem fs, InodeId dir, String name, int mode, byte[] data, long offset)
      throws FsException {
    var r = fs.create(ROOT, dir, n(name), mode, OpenFlags.READ_WRITE);
    if (data.length > 0) {
      fs.write(r.handle(), offset, ByteBuffer.wrap(data));
    }
    fs.fsync(r.handle(), false);
    fs.release(r.handle());
    return fs.getattr(r.attributes().id());
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static Name n(String s) throws FsException {
    return Name.of(s);
  }
}
