package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.*;
import static org.truckeefs.sql.SqlDeferredChanges.*;
import static org.truckeefs.sql.SqlRows.entry;
import static org.truckeefs.sql.SqlValues.*;

import java.time.Instant;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Record1;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.spi.RenameResult;
import org.truckeefs.sql.SqlRows.Row;

/**
 * rename, with its NOREPLACE and EXCHANGE flags: the one namespace write that changes two directories and may
 * replace or swap an existing entry, so it gets a class of its own.
 *
 * <p>Lock order: both directories' rows in id order (two renames between the same directories cannot deadlock),
 * then the source's and the target's inodes in id order. A rename of a directory across directories locks the
 * chain of ancestors it checks ({@link #requireNotInside}), so two renames cannot build a cycle between them. After
 * the checks every change goes with the COMMIT ({@link SqlDeferredChanges}).
 */
final class SqlRename {
  private static final int MAX_DEPTH = 1_000_000;

  private final Transactor tx;
  private final SqlRows rows;

  SqlRename(Transactor tx, SqlRows rows) {
    this.tx = tx;
    this.rows = rows;
  }

  RenameResult rename(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags,
      Instant now) throws FsException {
    long t = nanos(now);
    return tx.write("rename", db -> {
      // Lock both directories in id order, so two renames between the same directories cannot deadlock.
      boolean sameDir = parent.equals(newParent);
      Row from;
      Row to;
      if (sameDir) {
        from = rows.directory(db, parent, true);
        to = from;
      } else if (parent.compareTo(newParent) < 0) {
        from = rows.directory(db, parent, true);
        to = rows.directory(db, newParent, true);
      } else {
        to = rows.directory(db, newParent, true);
        from = rows.directory(db, parent, true);
      }
      Record src = entry(db, parent, name);
      if (src == null) {
        throw new FsException(FsError.NOT_FOUND, "no entry '" + name + "' in " + parent);
      }
      Record dst = entry(db, newParent, newName);
      if (dst != null && flags == RenameFlags.NOREPLACE) {
        throw new FsException(FsError.EXISTS, "'" + newName + "' exists in " + newParent);
      }
      if (dst == null && flags == RenameFlags.EXCHANGE) {
        throw new FsException(FsError.NOT_FOUND, "no entry '" + newName + "' in " + newParent + " to exchange with");
      }
      long srcId = src.get(D_INODE);
      InodeType srcType = type(src.get(D_TYPE));
      boolean srcDir = srcType == InodeType.DIRECTORY;
      if (dst != null && dst.get(D_INODE) == srcId) {
        return new RenameResult(rows.inodeRow(db, srcId, false).a(), null);
      }
      long dstId = dst == null ? 0 : dst.get(D_INODE);
      InodeType dstType = dst == null ? null : type(dst.get(D_TYPE));
      boolean dstDir = dstType == InodeType.DIRECTORY;
      Row srcRow;
      Row dstRow = null;
      if (dst == null || srcId < dstId) {
        srcRow = rows.existing(db, InodeId.of(srcId), true);
        if (dst != null) {
          dstRow = rows.existing(db, InodeId.of(dstId), true);
        }
      } else {
        dstRow = rows.existing(db, InodeId.of(dstId), true);
        srcRow = rows.existing(db, InodeId.of(srcId), true);
      }
      // From here on every change goes with the COMMIT (one round trip on MariaDB); the rows are locked, so the
      // results are computed rather than read back.

      if (flags == RenameFlags.EXCHANGE) {
        if (!sameDir) {
          if (srcDir) {
            requireNotInside(db, srcId, newParent);
          }
          if (dstDir) {
            requireNotInside(db, dstId, parent);
          }
        }
        atCommit(db, entryPoint(db, parent, name, dstId, dstType));
        atCommit(db, entryPoint(db, newParent, newName, srcId, srcType));
        if (!sameDir) {
          if (srcDir) {
            atCommit(db, db.update(INODE).set(I_PARENT, newParent.value()).where(I_ID.eq(srcId)));
          }
          if (dstDir) {
            atCommit(db, db.update(INODE).set(I_PARENT, parent.value()).where(I_ID.eq(dstId)));
          }
        }
        atCommit(db, db.update(INODE).set(I_CTIME, t).where(I_ID.in(srcId, dstId)));
        int moved = (srcDir ? 1 : 0) - (dstDir ? 1 : 0);
        directoryUpdate(db, parent, 0, sameDir ? 0 : -moved, false, t);
        if (!sameDir) {
          directoryUpdate(db, newParent, 0, moved, false, t);
        }
        return new RenameResult(changed(srcRow.a(), t), null);
      }

      if (dst != null) {
        if (srcDir && !dstDir) {
          throw new FsException(FsError.NOT_DIRECTORY, "cannot replace non-directory '" + newName + "' with a directory");
        }
        if (!srcDir && dstDir) {
          throw new FsException(FsError.IS_DIRECTORY, "cannot replace directory '" + newName + "' with a non-directory");
        }
        if (dstDir && db.fetchExists(DENTRY, D_PARENT.eq(dstId))) {
          throw new FsException(FsError.NOT_EMPTY, "directory '" + newName + "' is not empty");
        }
      }
      if (srcDir && !sameDir) {
        requireNotInside(db, srcId, newParent);
      }
      // Entry counts and link counts of the two directories, applied once per row at the end.
      long fromSize = -1;
      long fromLinks = 0;
      long toSize = 1;
      long toLinks = 0;
      if (dst != null) {
        atCommit(db, db.deleteFrom(DENTRY).where(D_PARENT.eq(newParent.value()), D_NAME.eq(newName.bytes())));
        DeferredStatements.atCommit(db, SET_NLINK, null, dropped(dstRow.a(), dstDir, t).nlink(), t, dstId);
        toSize -= 1;
        toLinks -= dstDir ? 1 : 0;
      }
      atCommit(db, db.deleteFrom(DENTRY).where(D_PARENT.eq(parent.value()), D_NAME.eq(name.bytes())));
      atCommit(db, entryInsert(db, newParent, newName, srcId, srcType, to.nextCookie()));
      if (srcDir && !sameDir) {
        fromLinks -= 1;
        toLinks += 1;
        atCommit(db, db.update(INODE).set(I_PARENT, newParent.value()).set(I_CTIME, t).where(I_ID.eq(srcId)));
      } else {
        atCommit(db, db.update(INODE).set(I_CTIME, t).where(I_ID.eq(srcId)));
      }
      if (sameDir) {
        directoryUpdate(db, parent, fromSize + toSize, fromLinks + toLinks, true, t);
      } else {
        directoryUpdate(db, parent, fromSize, fromLinks, false, t);
        directoryUpdate(db, newParent, toSize, toLinks, true, t);
      }
      InodeAttributes replaced = dst == null ? null : dropped(dstRow.a(), dstDir, t);
      return new RenameResult(changed(srcRow.a(), t), replaced);
    });
  }
  /** EINVAL if {@code dir} is {@code start} or one of its ancestors; locks the ancestors it walks past. */
  private void requireNotInside(DSLContext db, long dir, InodeId start) throws FsException {
    long id = start.value();
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
      if (id == dir) {
        throw new FsException(FsError.INVALID, "cannot move directory " + InodeId.of(dir) + " into its own subtree");
      }
      if (id == InodeId.ROOT.value()) {
        return;
      }
      Record1<Long> r = rows.lockIf(db.select(I_PARENT).from(INODE).where(I_ID.eq(id))).fetchOne();
      if (r == null || r.value1() == null) {
        return;
      }
      id = r.value1();
    }
    throw new FsException(FsError.IO, "directory tree deeper than " + MAX_DEPTH + " levels above " + start);
  }
}
