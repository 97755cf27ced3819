package org.truckeefs.testkit.tahoe;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The emulated grid: immutable files by cap, mutable directories by write and read cap, leases, and which objects
 * are unrecoverable. Not thread-safe; the gateway holds its lock around every request, as a Tahoe node serializes
 * operations on one mutable object.
 */
final class Grid {
  /** A node reached from a cap or a link. */
  sealed interface Node permits FileNode, DirRef {}

  /** An immutable file; {@code si} and {@code verifyCap} are null for LIT. */
  record FileNode(String cap, byte[] data, String si, String verifyCap) implements Node {
    boolean isLit() {
      return si == null;
    }
  }

  /** A directory seen through a write cap ({@code writable}) or a read cap. */
  record DirRef(DirNode dir, boolean writable) implements Node {
    String cap() {
      return writable ? dir.writeCap : dir.readCap;
    }
  }

  static final class DirNode {
    final String writeCap;
    final String readCap;
    final String verifyCap;
    final String si;
    final LinkedHashMap<String, Link> children = new LinkedHashMap<>();
    long seq = 1;

    DirNode(String writeCap, String readCap, String verifyCap, String si) {
      this.writeCap = writeCap;
      this.readCap = readCap;
      this.verifyCap = verifyCap;
      this.si = si;
    }
  }

  /** A directory entry: the caps as stored and Tahoe's link times. */
  static final class Link {
    final String rwUri;
    final String roUri;
    final double linkcrtime;
    final double linkmotime;

    Link(String rwUri, String roUri, double linkcrtime, double linkmotime) {
      this.rwUri = rwUri;
      this.roUri = roUri;
      this.linkcrtime = linkcrtime;
      this.linkmotime = linkmotime;
    }

    String cap() {
      return rwUri != null ? rwUri : roUri;
    }
  }

  private final SecureRandom random = new SecureRandom();
  private final byte[] convergence;
  final int sharesNeeded;
  final int sharesTotal;
  private final Map<String, FileNode> immutables = new HashMap<>();
  private final Map<String, DirNode> dirsByWriteCap = new HashMap<>();
  private final Map<String, DirNode> dirsByReadCap = new HashMap<>();
  final Map<String, Integer> leaseRenewals = new HashMap<>();
  final Set<String> unrecoverable = new HashSet<>();
  long bytesStored;
  int uploads;

  Grid(int sharesNeeded, int sharesTotal) {
    this.sharesNeeded = sharesNeeded;
    this.sharesTotal = sharesTotal;
    this.convergence = new byte[32];
    random.nextBytes(convergence);
  }

  /** An upload's cap and key, computed (hashing all the bytes) before the grid lock is taken. */
  record Prepared(byte[] key, String cap) {}

  /** Thread-safe: depends only on the bytes and the convergence secret. */
  Prepared prepare(byte[] data) {
    if (data.length <= Caps.LIT_THRESHOLD) {
      return new Prepared(null, Caps.lit(data));
    }
    byte[] key = Caps.chkKey(convergence, data);
    return new Prepared(key, Caps.chk(key, data, sharesNeeded, sharesTotal));
  }

  /** Stores an immutable file (LIT when small enough) and returns its cap. */
  String putImmutable(byte[] data) {
    return putImmutable(data, prepare(data));
  }

  String putImmutable(byte[] data, Prepared prepared) {
    uploads++;
    if (prepared.key() == null) {
      return prepared.cap();
    }
    byte[] key = prepared.key();
    String cap = prepared.cap();
    if (!immutables.containsKey(cap)) {
      String si = Caps.storageIndex(key);
      String ueb = cap.split(":")[3];
      String verify = "URI:CHK-Verifier:" + si + ":" + ueb + ":" + sharesNeeded + ":" + sharesTotal + ":" + data.length;
      immutables.put(cap, new FileNode(cap, data, si, verify));
      bytesStored += data.length;
    }
    return cap;
  }

  DirNode newDirectory(boolean mdmf) {
    byte[] writeKey = new byte[16];
    byte[] fingerprint = new byte[32];
    random.nextBytes(writeKey);
    random.nextBytes(fingerprint);
    byte[] readKey = Caps.hash16(writeKey);
    String si = Base32.encode(Caps.hash16(readKey));
    String fp = Base32.encode(fingerprint);
    String kind = mdmf ? "DIR2-MDMF" : "DIR2";
    DirNode d = new DirNode("URI:" + kind + ":" + Base32.encode(writeKey) + ":" + fp,
        "URI:" + kind + "-RO:" + Base32.encode(readKey) + ":" + fp, "URI:" + kind + "-Verifier:" + si + ":" + fp, si);
    dirsByWriteCap.put(d.writeCap, d);
    dirsByReadCap.put(d.readCap, d);
    return d;
  }

  private static final String B32 = "[a-z2-7]";
  /** The forms {@code allmydata/uri.py} parses: a key of 26 base32 characters, a hash of 52, k:N:size for CHK. */
  private static final java.util.regex.Pattern WELL_FORMED = java.util.regex.Pattern.compile(
      "URI:LIT:" + B32 + "*|URI:CHK:" + B32 + "{26}:" + B32 + "{52}:\\d+:\\d+:\\d+"
      + "|URI:DIR2(-MDMF)?(-RO)?:" + B32 + "{26}:" + B32 + "{52}");

  /** Whether the string is a cap this emulator knows how to link (not necessarily present on the grid). */
  static boolean isKnownCapForm(String cap) {
    return cap.startsWith("URI:LIT:") || cap.startsWith("URI:CHK:") || cap.startsWith("URI:DIR2:")
        || cap.startsWith("URI:DIR2-RO:") || cap.startsWith("URI:DIR2-MDMF:") || cap.startsWith("URI:DIR2-MDMF-RO:");
  }

  /** The read-only form of a cap, for a link's ro_uri. */
  String readOnly(String cap) {
    DirNode d = dirsByWriteCap.get(cap);
    if (d != null) {
      return d.readCap;
    }
    if (cap.startsWith("URI:DIR2:") || cap.startsWith("URI:DIR2-MDMF:")) {
      return cap.replaceFirst("^URI:DIR2(-MDMF)?:", "URI:DIR2$1-RO:");
    }
    return cap;
  }

  static boolean isWriteCap(String cap) {
    return cap.startsWith("URI:DIR2:") || cap.startsWith("URI:DIR2-MDMF:");
  }

  /**
   * The node a cap names. Unknown objects of a known form are unrecoverable (410), as on a grid that never held
   * their shares; other forms are 400.
   */
  Node resolve(String cap) throws WebError {
    if (cap.startsWith("URI:LIT:")) {
      String b32 = cap.substring("URI:LIT:".length());
      if (!Base32.isBase32(b32)) {
        throw WebError.handler(400, "Invalid LIT cap");
      }
      return new FileNode(cap, Base32.decode(b32), null, null);
    }
    if (isKnownCapForm(cap) && !WELL_FORMED.matcher(cap).matches()) {
      // uri.from_string cannot parse it, so the node is an UnknownNode; a real gateway refuses it with 400.
      throw WebError.handler(400, "unknown URI type");
    }
    if (cap.startsWith("URI:CHK:")) {
      FileNode f = immutables.get(cap);
      if (f == null || unrecoverable.contains(f.si())) {
        throw WebError.noShares();
      }
      return f;
    }
    DirNode w = dirsByWriteCap.get(cap);
    if (w != null) {
      return checkRecoverable(new DirRef(w, true));
    }
    DirNode r = dirsByReadCap.get(cap);
    if (r != null) {
      return checkRecoverable(new DirRef(r, false));
    }
    if (isKnownCapForm(cap)) {
      throw WebError.noShares();
    }
    if (cap.startsWith("URI:")) {
      throw WebError.handler(400, "emulator: this kind of cap is not emulated");
    }
    throw WebError.handler(400, "Invalid cap");
  }

  private Node checkRecoverable(DirRef d) throws WebError {
    if (unrecoverable.contains(d.dir().si)) {
      throw WebError.noShares();
    }
    return d;
  }

  /** The node a link points to, attenuated when reached through a read-only directory. */
  Node follow(Link link, boolean viaWritable) throws WebError {
    return resolve(viaWritable || link.rwUri == null ? link.cap() : link.roUri);
  }

  FileNode immutableByCap(String cap) {
    return immutables.get(cap);
  }

  DirNode dirByCap(String cap) {
    DirNode d = dirsByWriteCap.get(cap);
    return d != null ? d : dirsByReadCap.get(cap);
  }

  /** The storage index a cap names, or null (LIT, unknown). */
  String storageIndexOf(String cap) {
    FileNode f = immutables.get(cap);
    if (f != null) {
      return f.si();
    }
    DirNode d = dirByCap(cap);
    return d == null ? null : d.si;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
