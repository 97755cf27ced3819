package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.*;
import static org.truckeefs.sql.SqlValues.*;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.Record1;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.XattrMode;

/**
 * Extended attributes: one {@code xattr} row per (inode, name bytes). A change locks the inode's row first, as every
 * other write to an inode does, and sets its ctime in the same transaction; a read locks nothing.
 */
final class SqlXattrs {
  private static final int XATTR_NAME_MAX = 255;
  private static final int XATTR_VALUE_MAX = 64 * 1024;

  private final Transactor tx;
  private final SqlRows rows;

  SqlXattrs(Transactor tx, SqlRows rows) {
    this.tx = tx;
    this.rows = rows;
  }

  Optional<byte[]> getXattr(InodeId inode, String name) throws FsException {
    byte[] key = xattrName(name);
    return tx.read("getXattr", db -> {
      Record1<byte[]> r = db.select(X_VALUE).from(XATTR).where(X_INODE.eq(inode.value()), X_NAME.eq(key)).fetchOne();
      if (r == null) {
        rows.existing(db, inode, false);
        return Optional.empty();
      }
      return Optional.of(r.value1());
    });
  }

  void setXattr(InodeId inode, String name, byte[] value, XattrMode mode, Instant now) throws FsException {
    byte[] key = xattrName(name);
    if (value.length > XATTR_VALUE_MAX) {
      throw new FsException(FsError.RANGE, "extended attribute value of " + value.length + " bytes exceeds "
          + XATTR_VALUE_MAX);
    }
    byte[] copy = value.clone();
    long t = nanos(now);
    tx.write("setXattr", db -> {
      rows.existing(db, inode, true);
      boolean exists = db.fetchExists(XATTR, X_INODE.eq(inode.value()), X_NAME.eq(key));
      if (exists && mode == XattrMode.CREATE) {
        throw new FsException(FsError.EXISTS, "extended attribute '" + name + "' exists");
      }
      if (!exists && mode == XattrMode.REPLACE) {
        throw new FsException(FsError.NO_DATA, "no extended attribute '" + name + "'");
      }
      if (exists) {
        db.update(XATTR).set(X_VALUE, copy).where(X_INODE.eq(inode.value()), X_NAME.eq(key)).execute();
      } else {
        db.insertInto(XATTR, X_INODE, X_NAME, X_VALUE).values(inode.value(), key, copy).execute();
      }
      db.update(INODE).set(I_CTIME, t).where(I_ID.eq(inode.value())).execute();
      return null;
    });
  }

  List<String> listXattr(InodeId inode) throws FsException {
    return tx.read("listXattr", db -> {
      List<String> names = db.select(X_NAME).from(XATTR).where(X_INODE.eq(inode.value())).orderBy(X_NAME)
          .fetch(r -> new String(r.value1(), StandardCharsets.UTF_8));
      if (names.isEmpty()) {
        rows.existing(db, inode, false);
      }
      return names;
    });
  }

  void removeXattr(InodeId inode, String name, Instant now) throws FsException {
    byte[] key = xattrName(name);
    long t = nanos(now);
    tx.write("removeXattr", db -> {
      rows.existing(db, inode, true);
      if (db.deleteFrom(XATTR).where(X_INODE.eq(inode.value()), X_NAME.eq(key)).execute() == 0) {
        throw new FsException(FsError.NO_DATA, "no extended attribute '" + name + "'");
      }
      db.update(INODE).set(I_CTIME, t).where(I_ID.eq(inode.value())).execute();
      return null;
    });
  }

  private static byte[] xattrName(String name) throws FsException {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    if (b.length == 0) {
      throw new FsException(FsError.INVALID, "empty extended attribute name");
    }
    if (b.length > XATTR_NAME_MAX) {
      throw new FsException(FsError.RANGE, "extended attribute name longer than " + XATTR_NAME_MAX + " bytes");
    }
    return b;
  }
}
