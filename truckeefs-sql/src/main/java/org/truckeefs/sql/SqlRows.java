package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.*;
import static org.truckeefs.sql.SqlValues.*;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.SelectForUpdateStep;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;

/**
 * The inode row as every part of {@link SqlMetadataStore} reads it: its columns, the statements that select it
 * (plain or locked), its mapping to {@link InodeAttributes}, and the checks that a row is a live directory.
 *
 * <p>The hot statements are SQL text, run through the statement cache ({@link HotStatements#prepare}): parsed once per
 * connection, no jOOQ rendering per call. Plain names valid on both engines; the colder paths keep jOOQ. The
 * statement cache and the MariaDB one-round-trip writes key on the exact text, so the strings here are shared, not
 * copied. A locked read ({@code lock}) is SELECT ... FOR UPDATE on MariaDB and a plain read on SQLite, whose single
 * writer already excludes the other writers.
 */
final class SqlRows {
  static final String INODE_COLUMNS =
      "id, type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version, parent_id, next_cookie";
  static final int INODE_COLUMN_COUNT = 15;
  static final String SELECT_INODE = "SELECT " + INODE_COLUMNS + " FROM inode WHERE id = ?";
  static final String SELECT_ENTRY_INODE = "SELECT " + INODE_COLUMNS + " FROM inode WHERE id = "
      + "(SELECT inode_id FROM dentry WHERE parent_id = ? AND name = ?)";

  /** An inode row: its attributes, and for a directory its parent and the cookie its next entry gets. */
  record Row(InodeAttributes a, Long parent, long nextCookie) {}

  private final Transactor tx;
  private final String selectInodeLocked;
  private final String selectEntryInodeLocked;

  SqlRows(Transactor tx) {
    this.tx = tx;
    String lock = tx.engine().lockingReads() ? " FOR UPDATE" : "";
    this.selectInodeLocked = SELECT_INODE + lock;
    this.selectEntryInodeLocked = SELECT_ENTRY_INODE + lock;
  }

  /** {@link #SELECT_INODE}, locking the row where the engine locks rows. */
  String selectInodeLocked() {
    return selectInodeLocked;
  }

  /** {@link #SELECT_ENTRY_INODE}, locking the row where the engine locks rows. */
  String selectEntryInodeLocked() {
    return selectEntryInodeLocked;
  }

  <R extends Record> ResultQuery<R> lockIf(SelectForUpdateStep<R> select) {
    return tx.engine().lockingReads() ? select.forUpdate() : select;
  }

  Row inodeRow(DSLContext db, long id, boolean lock) throws SQLException {
    try (ResultSet r = HotStatements.query(db, lock ? selectInodeLocked : SELECT_INODE, id)) {
      return r.next() ? row(r) : null;
    }
  }

  Row existing(DSLContext db, InodeId inode, boolean lock) throws FsException, SQLException {
    Row r = inodeRow(db, inode.value(), lock);
    if (r == null) {
      throw notFound(inode);
    }
    return r;
  }

  /** A live directory's row: ENOENT if it is missing or removed, ENOTDIR if it is something else. */
  Row directory(DSLContext db, InodeId dir, boolean lock) throws FsException, SQLException {
    return checkDirectory(inodeRow(db, dir.value(), lock), dir, lock);
  }

  static Record entry(DSLContext db, InodeId parent, Name name) {
    return db.select(D_INODE, D_TYPE, D_COOKIE).from(DENTRY)
        .where(D_PARENT.eq(parent.value()), D_NAME.eq(name.bytes())).fetchOne();
  }

  /** The row at the cursor of a result of {@link #INODE_COLUMNS}. */
  static Row row(ResultSet r) throws SQLException {
    return row(r, 0);
  }

  /** The row at the cursor of a result with {@link #INODE_COLUMNS} after its first {@code skip} columns. */
  static Row row(ResultSet r, int skip) throws SQLException {
    int o = skip;
    InodeAttributes a = new InodeAttributes(InodeId.of(r.getLong(o + 1)), type(r.getInt(o + 2)), r.getInt(o + 3),
        r.getInt(o + 4), r.getInt(o + 5), r.getLong(o + 6), r.getLong(o + 7), r.getLong(o + 8),
        instant(r.getLong(o + 9)), instant(r.getLong(o + 10)), instant(r.getLong(o + 11)), instant(r.getLong(o + 12)),
        r.getLong(o + 13));
    long parent = r.getLong(o + 14);
    Long p = r.wasNull() ? null : parent;
    return new Row(a, p, r.getLong(o + 15));
  }

  /**
   * The next result of a multi-statement ({@code first}: the current one) as an inode row, or null if empty.
   */
  static Row nextRow(PreparedStatement s, boolean first) throws SQLException {
    if (!first && !s.getMoreResults()) {
      throw new SQLException("the multi-statement returned fewer results than it has queries");
    }
    try (ResultSet r = s.getResultSet()) {
      return r.next() ? row(r) : null;
    }
  }

  /**
   * Moves to the one row of a lookup joined with its directory, whose type is in column {@code typeColumn}:
   * ENOENT when there is no row (no such inode), ENOTDIR when it is not a directory.
   */
  static void requireDirectory(ResultSet r, int typeColumn, InodeId dir) throws FsException, SQLException {
    if (!r.next()) {
      throw new FsException(FsError.NOT_FOUND, "directory " + dir + " does not exist");
    }
    if (type(r.getInt(typeColumn)) != InodeType.DIRECTORY) {
      throw new FsException(FsError.NOT_DIRECTORY, "inode " + dir + " is not a directory");
    }
  }

  static Row checkDirectory(Row r, InodeId dir, boolean lock) throws FsException {
    if (r == null || (r.a().nlink() == 0 && r.a().type() == InodeType.DIRECTORY && lock)) {
      throw new FsException(FsError.NOT_FOUND, "directory " + dir + " does not exist");
    }
    if (r.a().type() != InodeType.DIRECTORY) {
      throw new FsException(FsError.NOT_DIRECTORY, "inode " + dir + " is not a directory");
    }
    return r;
  }
}
