package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.*;
import static org.truckeefs.sql.SqlValues.*;

import java.time.Instant;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;

/**
 * The changes a namespace write ({@link SqlNamespaceWrites}, {@link SqlRename}) sends with the COMMIT
 * ({@link DeferredStatements#atCommit}), and the attributes the rows will have after them. The writes lock the rows
 * they change first, so these changes cannot fail on their own and their results are computed, not read back: a
 * write costs one round trip fewer on MariaDB.
 */
final class SqlDeferredChanges {
  static final String UPDATE_DIRECTORY = "UPDATE inode SET mtime = ?, ctime = ?, size = size + ?, "
      + "nlink = nlink + ?, next_cookie = next_cookie + ? WHERE id = ?";
  static final String SET_NLINK = "UPDATE inode SET nlink = ?, ctime = ? WHERE id = ?";

  private SqlDeferredChanges() {}

  /** A change that cannot fail on its own, sent with the COMMIT. */
  static void atCommit(DSLContext db, Query change) {
    DeferredStatements.atCommit(db, change, null);
  }

  /** Writes a locked inode's link count and ctime as {@link #dropped} computed them; sent with the COMMIT. */
  static void setNlink(DSLContext db, InodeAttributes after, long t) {
    DeferredStatements.atCommit(db, SET_NLINK, null, after.nlink(), t, after.id().value());
  }

  /**
   * Adjusts a directory's entry count and link count, sets mtime/ctime, and uses up a cookie if one was given out;
   * sent with the COMMIT (it cannot fail on its own).
   */
  static void directoryUpdate(DSLContext db, InodeId dir, long sizeDelta, long linkDelta, boolean cookieUsed,
      long t) {
    DeferredStatements.atCommit(db, UPDATE_DIRECTORY, null, t, t, sizeDelta, linkDelta, cookieUsed ? 1L : 0L,
        dir.value());
  }

  /** A locked directory's attributes after {@link #directoryUpdate} with the same deltas and time. */
  static InodeAttributes directoryAfter(InodeAttributes d, long sizeDelta, long linkDelta, long t) {
    Instant at = instant(t);
    return new InodeAttributes(d.id(), d.type(), d.mode(), d.uid(), d.gid(), d.size() + sizeDelta,
        d.nlink() + linkDelta, d.rdev(), d.atime(), at, at, d.crtime(), d.version());
  }

  /**
   * The attributes of a locked inode after it lost a name: a directory drops to 0 links (its "." goes with it),
   * anything else by one; the caller writes the computed link count ({@link #SET_NLINK}).
   */
  static InodeAttributes dropped(InodeAttributes a, boolean directory, long t) {
    return new InodeAttributes(a.id(), a.type(), a.mode(), a.uid(), a.gid(), a.size(),
        directory ? 0 : Math.max(0, a.nlink() - 1), a.rdev(), a.atime(), a.mtime(), instant(t), a.crtime(),
        a.version());
  }

  /** The attributes of a locked inode row after its ctime became {@code t}. */
  static InodeAttributes changed(InodeAttributes a, long t) {
    return new InodeAttributes(a.id(), a.type(), a.mode(), a.uid(), a.gid(), a.size(), a.nlink(), a.rdev(),
        a.atime(), a.mtime(), instant(t), a.crtime(), a.version());
  }

  /** The insert of an entry: run at once by a link, which must see EEXIST, sent with the COMMIT by a rename. */
  static Query entryInsert(DSLContext db, InodeId parent, Name name, long inode, InodeType type, long cookie) {
    return db.insertInto(DENTRY, D_PARENT, D_NAME, D_INODE, D_TYPE, D_COOKIE)
        .values(parent.value(), name.bytes(), inode, code(type), cookie);
  }

  static Query entryPoint(DSLContext db, InodeId parent, Name name, long inode, InodeType type) {
    return db.update(DENTRY).set(D_INODE, inode).set(D_TYPE, code(type))
        .where(D_PARENT.eq(parent.value()), D_NAME.eq(name.bytes()));
  }
}
