package org.truckeefs.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.Ticker;

/**
 * Extended attributes: the Linux namespace rules ({@code user.} for whoever may write the file, {@code trusted.}
 * for root; names of 1-255 bytes, else ERANGE; values up to 64 KiB, else E2BIG) over the metadata store's xattr primitives, and the memory of attributes recently read as absent.
 *
 * <p>Locking: none of its own. A read of a possibly absent attribute runs inside the absent-cache's per-key
 * compute (a metadata read, never a disk sync or a blob call) so that a concurrent set cannot leave a stale
 * "absent" behind.
 *
 * <p>No security labels, file capabilities or POSIX ACLs: every {@code security.} and {@code system.} name is
 * EOPNOTSUPP, as on a filesystem mounted without label and ACL support, and never listed. GNU {@code ls -l} asks
 * every file for {@code security.selinux} and {@code system.posix_acl_access} and stops asking a device only on
 * EOPNOTSUPP (ENODATA keeps it asking: one FUSE request per listed file); libacl and {@code cp -a} then fall back
 * to chmod, and exec sees no capabilities.
 */
final class Xattrs {
  static final int NAME_MAX = 255;
  static final int VALUE_MAX = 64 * 1024;
  private static final int ABSENT_CACHE_SIZE = 10_000;

  /** The attributes as getattr answers them (with this host's open-file overlay). */
  interface Attributes {
    InodeAttributes get(InodeId inode) throws FsException;
  }

  /** What a change of an inode's extended attributes tells the rest of the filesystem. */
  interface Changes {
    /** After a successful change: other watchers learn that the inode's attributes changed. */
    void published(InodeId inode);

    /** After any attempt (the store may have applied it even when the call failed). */
    void touched(InodeId inode);
  }

  enum Namespace { USER, PRIVILEGED }

  private record Key(InodeId inode, String name) {}

  private final CachedMetadataStore meta;
  private final Attributes attributes;
  private final Predicate<InodeId> openHere;
  private final Changes changes;
  private final Clock clock;
  /**
   * Extended attributes recently read as absent: almost no file has a given trusted. or user. attribute. Entries live as long as the kernel's attribute
   * timeout; a set or remove through this host invalidates its entry.
   */
  private final Cache<Key, Boolean> absent;

  Xattrs(CachedMetadataStore meta, Attributes attributes, Predicate<InodeId> openHere, Changes changes, Clock clock,
      Ticker ticker, Duration absentTtl) {
    this.meta = meta;
    this.attributes = attributes;
    this.openHere = openHere;
    this.changes = changes;
    this.clock = clock;
    this.absent = Caffeine.newBuilder().maximumSize(ABSENT_CACHE_SIZE).expireAfterWrite(absentTtl)
        .ticker(ticker::read).build();
  }

  /** The namespace of {@code name}; ERANGE for an empty or too long name, EOPNOTSUPP without a known prefix. */
  static Namespace namespace(String name) throws FsException {
    if (name == null || name.isEmpty()) {
      throw new FsException(FsError.RANGE, "empty extended attribute name");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
      throw new FsException(FsError.RANGE, "extended attribute name longer than " + NAME_MAX + " bytes");
    }
    if (name.startsWith("user.") && name.length() > 5) {
      return Namespace.USER;
    }
    if (name.startsWith("trusted.") && name.length() > 8) {
      return Namespace.PRIVILEGED;
    }
    if (unsupported(name)) {
      throw new FsException(FsError.NOT_SUPPORTED, "no security. or system. extended attributes on this filesystem");
    }
    throw new FsException(FsError.NOT_SUPPORTED, "extended attribute names need a namespace: user. or trusted.");
  }

  /** The namespaces this filesystem does not implement (labels, capabilities, ACLs): never stored, never listed. */
  static boolean unsupported(String name) {
    return name.startsWith("security.") || name.startsWith("system.");
  }

  byte[] get(Caller caller, InodeId inode, String name) throws FsException {
    Namespace ns = namespace(name);
    Key key = new Key(inode, name);
    // a file open on this host exists (its inode outlives an unlink until the last close), so a repeated trusted.
    // probe needs no store call once the answer is known
    if (ns == Namespace.PRIVILEGED && openHere.test(inode)
        && (!caller.isRoot() || absent.getIfPresent(key) != null)) {
      throw noData(name);
    }
    if (ns == Namespace.PRIVILEGED && !caller.isRoot()) {
      attributes.get(inode); // ENOENT for a missing inode
      throw noData(name);
    }
    if (ns == Namespace.USER) {
      Access.check(caller, attributes.get(inode), Access.R, "read extended attributes of " + inode);
    }
    // root reading trusted.*: the store's getXattr answers ENOENT for a missing inode itself (MetadataStore
    // contract), so no attribute read first
    @SuppressWarnings("unchecked")
    Optional<byte[]>[] read = new Optional[1];
    try {
      // always read here (only an open file, known to exist, is answered from the cache above); the read runs
      // inside compute so that it blocks invalidate() of its key: a set meanwhile cannot leave a stale "absent"
      absent.asMap().compute(key, (k, old) -> {
        try {
          read[0] = meta.cachedGetXattr(inode, name);
        } catch (FsException e) {
          throw new UncheckedFs(e);
        }
        return read[0].isPresent() ? null : Boolean.TRUE; // null: nothing cached
      });
    } catch (UncheckedFs u) {
      throw u.fs();
    }
    if (read[0].isPresent()) {
      return read[0].get();
    }
    throw noData(name);
  }

  void set(Caller caller, InodeId inode, String name, byte[] value, XattrMode mode) throws FsException {
    Namespace ns = namespace(name);
    if (value == null) {
      value = new byte[0];
    }
    if (value.length > VALUE_MAX) {
      throw new FsException(FsError.ARG_LIST_TOO_LONG, "extended attribute value larger than " + VALUE_MAX
          + " bytes");
    }
    checkWrite(caller, attributes.get(inode), ns, inode);
    try {
      meta.setXattr(inode, name, value, mode, clock.instant());
      changes.published(inode);
    } finally {
      absent.invalidate(new Key(inode, name));
      changes.touched(inode);
    }
  }

  /**
   * The names {@code caller} may see: {@code user.} ones, and {@code trusted.} ones for root; {@code security.} and
   * {@code system.} names stored by an older version stay hidden.
   */
  List<String> list(Caller caller, InodeId inode) throws FsException {
    List<String> names = meta.cachedListXattr(inode); // ENOENT for a missing inode (MetadataStore contract)
    List<String> visible = new ArrayList<>();
    for (String n : names) {
      if (n.startsWith("user.") || (caller.isRoot() && !unsupported(n))) {
        visible.add(n);
      }
    }
    return visible;
  }

  void remove(Caller caller, InodeId inode, String name) throws FsException {
    Namespace ns = namespace(name);
    checkWrite(caller, attributes.get(inode), ns, inode);
    try {
      meta.removeXattr(inode, name, clock.instant());
      changes.published(inode);
    } finally {
      changes.touched(inode);
    }
  }

  /** Who may change an attribute: root for the privileged namespaces; write permission (and more) for user. */
  static void checkWrite(Caller caller, InodeAttributes a, Namespace ns, InodeId inode) throws FsException {
    if (ns == Namespace.PRIVILEGED) {
      if (!caller.isRoot()) {
        throw new FsException(FsError.NOT_PERMITTED, "only root may change trusted. attributes");
      }
      return;
    }
    if (!a.isFile() && !a.isDirectory()) {
      throw new FsException(FsError.NOT_PERMITTED, "user. attributes exist only on files and directories");
    }
    if (a.isDirectory() && (a.mode() & Access.S_ISVTX) != 0 && !Access.isOwner(caller, a)) {
      throw new FsException(FsError.NOT_PERMITTED,
          "only the owner may change user. attributes of a sticky directory");
    }
    Access.check(caller, a, Access.W, "change extended attributes of " + inode);
  }

  private static FsException noData(String name) {
    return new FsException(FsError.NO_DATA, "no extended attribute " + name);
  }
}
