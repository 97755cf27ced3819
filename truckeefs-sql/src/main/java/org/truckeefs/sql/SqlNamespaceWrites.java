package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.*;
import static org.truckeefs.sql.SqlDeferredChanges.*;
import static org.truckeefs.sql.SqlRows.*;
import static org.truckeefs.sql.SqlValues.*;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.CreateResult;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.UnlinkResult;

/**
 * The namespace writes of {@link SqlMetadataStore} but rename ({@link SqlRename}): the root, create, link, unlink
 * (with the purge of an orphan in the same transaction) and setattr.
 *
 * <p>Lock order: a change to a directory's entries first locks that directory's inode row, then the entry's inode.
 * On a server that batches statements (MariaDB) a create, and the unlink of a file's last name with its purge, are
 * one call of a stored procedure each; another unlink's locks, reads and changes are sent as multi-statements, the
 * directory's lock still first, so that it costs two round trips. SQLite has a single writer and reads the rows
 * together. The changes that cannot fail go with the COMMIT ({@link SqlDeferredChanges}).
 */
final class SqlNamespaceWrites {
  /** unlink on SQLite (one writer, nothing to lock): the directory's row and the entry's inode in one statement. */
  private static final String SELECT_DIR_AND_ENTRY_INODE = "SELECT "
      + INODE_COLUMNS.replaceAll("(\\w+)", "p.$1") + ", " + INODE_COLUMNS.replaceAll("(\\w+)", "i.$1")
      + " FROM inode p LEFT JOIN dentry d ON d.parent_id = p.id AND d.name = ? "
      + "LEFT JOIN inode i ON i.id = d.inode_id WHERE p.id = ?";
  private static final String INSERT_INODE = "INSERT INTO inode (type, mode, uid, gid, size, nlink, rdev, atime, "
      + "mtime, ctime, crtime, version, parent_id, next_cookie, symlink_target) "
      + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 1, ?) RETURNING id";
  private static final String INSERT_ENTRY =
      "INSERT INTO dentry (parent_id, name, inode_id, type, cookie) VALUES (?, ?, ?, ?, ?)";
  /**
   * A create on a server (MariaDB), one call of the procedure of migration V6: it locks and changes the directory,
   * inserts the inode (with the attempt's token, the last parameter) and the entry, which fails unless the directory
   * is live (ENOENT or ENOTDIR then) or when the name is taken (EEXIST), answers the directory's row after the change
   * and the new inode's id, and COMMITs. The same statements sent as a multi-statement cost the server 200-300 us
   * more per create, and a marker row 100-150 us more (docs/benchmarks.md).
   */
  private static final String CALL_CREATE_ENTRY =
      "CALL create_entry_with_token(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  /** Whether the create that carried a token landed: the name holds the inode it made. */
  private static final String SELECT_ENTRY_CREATED_WITH = "SELECT 1 FROM dentry d JOIN inode i ON i.id = d.inode_id "
      + "WHERE d.parent_id = ? AND d.name = ? AND i.create_token = ?";
  /**
   * A create's change to its directory on SQLite, which returns the row it leaves: {@link
   * SqlDeferredChanges#UPDATE_DIRECTORY} on a live directory only, with a cookie used.
   */
  private static final String UPDATE_LIVE_DIRECTORY_RETURNING = "UPDATE inode SET mtime = ?, ctime = ?, "
      + "size = size + ?, nlink = nlink + ?, next_cookie = next_cookie + 1 WHERE id = ? AND type = ? AND nlink > 0 "
      + "RETURNING " + SqlRows.INODE_COLUMNS;
  /**
   * A file's unlink with the purge of the caller's candidate on a server (MariaDB), one call of the procedure of
   * migration V7: the directory's lock, the entry's inode locked, the checks (it signals, so that nothing commits,
   * when the directory is not live, the name is absent or names a directory), the changes, the purge with the blob
   * counts in key order when the name held the candidate's last link, the marker (the token, the last parameter)
   * and the COMMIT. Its answers: the victim's row before, the blobs the purge left unreferenced (purged only), the
   * directory's row after. The two-trip unlink below took two to four round trips.
   */
  private static final String CALL_UNLINK_ENTRY = "CALL unlink_entry(?, ?, ?, ?, ?)";
  private static final String SELECT_ENTRY_EXISTS = "SELECT 1 FROM dentry WHERE parent_id = ? AND name = ?";
  private static final String DELETE_ENTRY = "DELETE FROM dentry WHERE parent_id = ? AND name = ?";
  private static final String SELECT_ENTRY_CHUNK_BLOBS = "SELECT blob_ref FROM chunk WHERE inode_id = "
      + "(SELECT inode_id FROM dentry WHERE parent_id = ? AND name = ?)";

  private final Transactor tx;
  private final SqlRows rows;
  private final SqlContentCommits content;
  private final String lockDirectoryAndEntry;
  private final String lockDirectoryAndEntryWithChunks;

  SqlNamespaceWrites(Transactor tx, SqlRows rows, SqlContentCommits content) {
    this.tx = tx;
    this.rows = rows;
    this.content = content;
    // Multi-statements for a server (one round trip each): the directory's row is still locked first.
    this.lockDirectoryAndEntry = rows.selectInodeLocked() + "; " + rows.selectEntryInodeLocked();
    this.lockDirectoryAndEntryWithChunks = lockDirectoryAndEntry + "; " + SELECT_ENTRY_CHUNK_BLOBS;
  }

  InodeAttributes initRoot(NewInode spec) throws FsException {
    if (spec.type() != InodeType.DIRECTORY) {
      throw new FsException(FsError.INVALID, "the root must be a directory");
    }
    checkMode(spec.mode());
    return tx.write("initRoot", db -> {
      Row row = rows.inodeRow(db, InodeId.ROOT.value(), true);
      if (row == null) {
        long t = nanos(spec.time());
        db.insertInto(INODE)
            .set(I_ID, InodeId.ROOT.value()).set(I_TYPE, code(InodeType.DIRECTORY)).set(I_MODE, spec.mode())
            .set(I_UID, spec.uid()).set(I_GID, spec.gid()).set(I_SIZE, 0L).set(I_NLINK, 2L).set(I_RDEV, 0L)
            .set(I_ATIME, t).set(I_MTIME, t).set(I_CTIME, t).set(I_CRTIME, t).set(I_VERSION, 0L)
            .set(I_PARENT, InodeId.ROOT.value()).set(I_NEXT_COOKIE, 1L)
            .onConflict(I_ID).doNothing()
            .execute();
        row = rows.inodeRow(db, InodeId.ROOT.value(), false);
      }
      return row.a();
    });
  }

  InodeAttributes create(InodeId parent, Name name, NewInode spec) throws FsException {
    return createEntry(parent, name, spec).created();
  }

  /** The directory's attributes come from its row, which the transaction locked before it changed it. */
  CreateResult createEntry(InodeId parent, Name name, NewInode spec) throws FsException {
    checkMode(spec.mode());
    byte[] target = spec.symlinkTarget() == null ? null : spec.symlinkTarget().getBytes(StandardCharsets.UTF_8);
    boolean dir = spec.type() == InodeType.DIRECTORY;
    long size = target == null ? 0 : target.length;
    long nlink = dir ? 2 : 1;
    long t = nanos(spec.time());
    CreateResult one = tx.writeInOneTrip("create", CALL_CREATE_ENTRY,
        new Object[] {parent.value(), name.bytes(), code(spec.type()), spec.mode(), spec.uid(), spec.gid(), size,
            nlink, spec.rdev(), t, target},
        new Transactor.OneTrip<>() {
          @Override
          public CreateResult results(PreparedStatement s) throws SQLException, FsException {
            Row after;
            long id;
            try (ResultSet r = s.getResultSet()) {
              if (r == null || !r.next()) {
                throw new SQLException("create_entry_with_token answered no row");
              }
              after = checkDirectory(row(r), parent, true);
              id = r.getLong(INODE_COLUMN_COUNT + 1);
            }
            Instant at = instant(t);
            return new CreateResult(new InodeAttributes(InodeId.of(id), spec.type(), spec.mode(), spec.uid(),
                spec.gid(), size, nlink, spec.rdev(), at, at, at, at, 0L), after.a());
          }

          @Override
          public void explain(DSLContext db) throws FsException, SQLException {
            rows.directory(db, parent, true);
            requireAbsent(db, parent, name);
          }

          @Override
          public CreateResult recover(DSLContext db) throws FsException, SQLException {
            Row p = rows.directory(db, parent, false);
            try (ResultSet r = HotStatements.query(db, SELECT_ENTRY_INODE, parent.value(), name.bytes())) {
              if (!r.next()) {
                throw new FsException(FsError.IO, "'" + name + "' was created in " + parent
                    + " but is gone again before its creation was confirmed");
              }
              return new CreateResult(row(r).a(), p.a());
            }
          }

          @Override
          public boolean carriesToken() {
            return true;
          }

          @Override
          public boolean landed(DSLContext db, long token) throws SQLException {
            return db.resultQuery(SELECT_ENTRY_CREATED_WITH, parent.value(), name.bytes(), token).fetchOne() != null;
          }
        });
    if (one != null) {
      return one;
    }
    // An engine without one-trip writes (SQLite). Every check comes before the first change (Transactor.ChecksFirst:
    // no savepoint): the name is looked up first (EEXIST), then the directory's update, on a live directory only,
    // returns its new row (no read of it first); no row means it is not a live directory, which a second look
    // tells apart. The inserts after it cannot be refused.
    return tx.write("create", (Transactor.ChecksFirst<CreateResult>) db -> {
      requireAbsent(db, parent, name);
      Row after;
      try (ResultSet r = HotStatements.query(db, UPDATE_LIVE_DIRECTORY_RETURNING, t, t, 1L, dir ? 1L : 0L,
          parent.value(), code(InodeType.DIRECTORY))) {
        after = r.next() ? row(r) : null;
      }
      if (after == null) {
        rows.directory(db, parent, true);
        throw new FsException(FsError.IO, "directory " + parent + " changed no row in a create");
      }
      long id;
      try (ResultSet r = HotStatements.query(db, INSERT_INODE, code(spec.type()), spec.mode(), spec.uid(),
          spec.gid(), size, nlink, spec.rdev(), t, t, t, t, dir ? parent.value() : null, target)) {
        r.next();
        id = r.getLong(1);
      }
      HotStatements.prepare(db, INSERT_ENTRY, parent.value(), name.bytes(), id, code(spec.type()),
          after.nextCookie() - 1).executeUpdate();
      Instant at = instant(t);
      return new CreateResult(new InodeAttributes(InodeId.of(id), spec.type(), spec.mode(), spec.uid(), spec.gid(),
          size, nlink, spec.rdev(), at, at, at, at, 0L), after.a());
    });
  }

  InodeAttributes link(InodeId inode, InodeId parent, Name name, Instant now) throws FsException {
    long t = nanos(now);
    return tx.write("link", db -> {
      Row p = rows.directory(db, parent, true);
      Row row = rows.existing(db, inode, true);
      InodeType type = row.a().type();
      if (type == InodeType.DIRECTORY) {
        throw new FsException(FsError.NOT_PERMITTED, "cannot make a hard link to directory " + inode);
      }
      if (row.a().nlink() == 0) {
        throw new FsException(FsError.NOT_FOUND, "inode " + inode + " has been removed");
      }
      insertNewEntry(db, parent, name, inode.value(), type, p.nextCookie());
      db.update(INODE).set(I_NLINK, I_NLINK.plus(1)).set(I_CTIME, t).where(I_ID.eq(inode.value())).execute();
      directoryUpdate(db, parent, 1, 0, true, t);
      return rows.inodeRow(db, inode.value(), false).a();
    });
  }

  InodeAttributes unlink(InodeId parent, Name name, boolean directory, Instant now) throws FsException {
    long t = nanos(now);
    return tx.write(directory ? "rmdir" : "unlink", db -> {
      Unlinked u = unlinkIn(db, parent, name, directory, t, false);
      setNlink(db, u.after(), t);
      return u.after();
    });
  }

  /** The unlink and, at link count 0, the purge in one transaction (one COMMIT, one round trip fewer). */
  UnlinkResult unlink(InodeId parent, Name name, boolean directory, Instant now, InodeId purgeIfOrphan)
      throws FsException {
    long t = nanos(now);
    if (!directory && purgeIfOrphan != null) {
      UnlinkResult one = unlinkInOneTrip(parent, name, t, purgeIfOrphan);
      if (one != null) {
        return one;
      }
    }
    return tx.write(directory ? "rmdir" : "unlink", db -> {
      Unlinked u = unlinkIn(db, parent, name, directory, t, purgeIfOrphan != null && !directory);
      InodeAttributes a = u.after();
      if (purgeIfOrphan == null || a.nlink() != 0 || !a.id().equals(purgeIfOrphan)) {
        setNlink(db, a, t);
        return new UnlinkResult(a, false, List.of(), u.parent());
      }
      // The row is locked and its link count drops to 0 in this transaction: nothing can link it again. It is
      // deleted, so its link count is not written first.
      return new UnlinkResult(a, true, content.purgeIn(db, a.id().value(), u.chunkBlobs()), u.parent());
    });
  }

  /**
   * {@link #CALL_UNLINK_ENTRY} where the engine takes a write in one trip, else null. After a lost answer the
   * result is read afresh: the candidate's row if it is still there (not purged), else a purged file of which only
   * the id and the link count of 0 are known any more (the rest is zero: no caller reads more of a purged inode),
   * and no unreferenced blobs (the purge marked them unreferenced; the blob sweep finds them after the grace).
   */
  private UnlinkResult unlinkInOneTrip(InodeId parent, Name name, long t, InodeId candidate) throws FsException {
    return tx.writeInOneTrip("unlink", CALL_UNLINK_ENTRY,
        new Object[] {parent.value(), name.bytes(), t, candidate.value()},
        new Transactor.OneTrip<>() {
          @Override
          public UnlinkResult results(PreparedStatement s) throws SQLException, FsException {
            Row victim = nextRow(s, true);
            if (victim == null) {
              throw new SQLException("unlink_entry answered no entry");
            }
            InodeAttributes after = dropped(victim.a(), false, t);
            boolean purged = after.nlink() == 0 && after.id().equals(candidate); // the procedure's own condition
            List<BlobRef> unreferenced = new ArrayList<>();
            if (purged) {
              if (!s.getMoreResults()) {
                throw new SQLException("unlink_entry answered no blob list");
              }
              try (ResultSet r = s.getResultSet()) {
                while (r.next()) {
                  unreferenced.add(blob(r.getBytes(1)));
                }
              }
            }
            Row dir = nextRow(s, false);
            if (dir == null) {
              throw new SQLException("unlink_entry answered no directory");
            }
            return new UnlinkResult(after, purged, unreferenced, dir.a());
          }

          @Override
          public void explain(DSLContext db) throws FsException, SQLException {
            rows.directory(db, parent, true);
            try (ResultSet r = HotStatements.query(db, SELECT_ENTRY_INODE, parent.value(), name.bytes())) {
              if (!r.next()) {
                throw new FsException(FsError.NOT_FOUND, "no entry '" + name + "' in " + parent);
              }
              if (row(r).a().type() == InodeType.DIRECTORY) {
                throw new FsException(FsError.IS_DIRECTORY, "'" + name + "' is a directory");
              }
            }
          }

          @Override
          public UnlinkResult recover(DSLContext db) throws FsException, SQLException {
            Row p = rows.inodeRow(db, parent.value(), false);
            InodeAttributes dir = p == null ? null : p.a();
            Row v = rows.inodeRow(db, candidate.value(), false);
            if (v != null) {
              return new UnlinkResult(v.a(), false, List.of(), dir);
            }
            Instant at = instant(t);
            return new UnlinkResult(new InodeAttributes(candidate, InodeType.FILE, 0, 0, 0, 0, 0, 0, at, at, at, at,
                0), true, List.of(), dir);
          }

          @Override
          public boolean carriesToken() {
            return true; // the procedure writes the marker itself: landed's default finds it
          }
        });
  }

  /**
   * What {@link #unlinkIn} did: the inode after losing the name, its chunks' blobs if they were fetched, and the
   * directory after losing the entry.
   */
  private record Unlinked(InodeAttributes after, List<byte[]> chunkBlobs, InodeAttributes parent) {}

  /**
   * Removes an entry; the caller writes the inode's new link count ({@link SqlDeferredChanges#setNlink}) unless it
   * purges it. With {@code chunks} on a server, the inode's chunk list comes in the same round trip as the
   * locks (read after the inode's lock, which every content commit takes first), for a purge to use.
   */
  private Unlinked unlinkIn(DSLContext db, InodeId parent, Name name, boolean directory, long t, boolean chunks)
      throws FsException, SQLException {
    Row row;
    Row dir;
    List<byte[]> chunkBlobs = null;
    if (tx.engine().batchesStatements()) {
      // The directory's lock, then the entry's inode locked, in one round trip.
      PreparedStatement s = chunks
          ? HotStatements.prepare(db, lockDirectoryAndEntryWithChunks, parent.value(), parent.value(), name.bytes(),
              parent.value(), name.bytes())
          : HotStatements.prepare(db, lockDirectoryAndEntry, parent.value(), parent.value(), name.bytes());
      s.execute();
      Row dirRow = nextRow(s, true);
      row = nextRow(s, false);
      if (chunks) {
        chunkBlobs = new ArrayList<>();
        if (!s.getMoreResults()) {
          throw new SQLException("the multi-statement returned no chunk list");
        }
        try (ResultSet r = s.getResultSet()) {
          while (r.next()) {
            chunkBlobs.add(r.getBytes(1));
          }
        }
      }
      dir = checkDirectory(dirRow, parent, true);
    } else {
      // SQLite's single writer guards both rows: read together, with no lock order to keep.
      try (ResultSet r = HotStatements.query(db, SELECT_DIR_AND_ENTRY_INODE, name.bytes(), parent.value())) {
        dir = checkDirectory(r.next() ? row(r, 0) : null, parent, true);
        r.getLong(INODE_COLUMN_COUNT + 1);
        row = r.wasNull() ? null : row(r, INODE_COLUMN_COUNT);
      }
    }
    if (row == null) {
      throw new FsException(FsError.NOT_FOUND, "no entry '" + name + "' in " + parent);
    }
    long id = row.a().id().value();
    boolean isDir = row.a().type() == InodeType.DIRECTORY;
    if (directory && !isDir) {
      throw new FsException(FsError.NOT_DIRECTORY, "'" + name + "' is not a directory");
    }
    if (!directory && isDir) {
      throw new FsException(FsError.IS_DIRECTORY, "'" + name + "' is a directory");
    }
    if (isDir && db.fetchExists(DENTRY, D_PARENT.eq(id))) {
      throw new FsException(FsError.NOT_EMPTY, "directory '" + name + "' is not empty");
    }
    // The changes go with the COMMIT; the row is locked, so the result is computed rather than read back.
    DeferredStatements.atCommit(db, DELETE_ENTRY, null, parent.value(), name.bytes());
    InodeAttributes after = dropped(row.a(), isDir, t);
    directoryUpdate(db, parent, -1, isDir ? -1 : 0, false, t);
    return new Unlinked(after, chunkBlobs, directoryAfter(dir.a(), -1, isDir ? -1 : 0, t));
  }

  InodeAttributes setAttributes(InodeId inode, AttrUpdate update) throws FsException {
    if (update.mode() != null) {
      checkMode(update.mode());
    }
    return tx.write("setAttributes", db -> {
      // At most 64 distinct statements (which attributes change), each kept by the statement cache.
      StringBuilder sql = new StringBuilder("UPDATE inode SET ");
      List<Object> values = new ArrayList<>(7);
      set(sql, values, "mode", update.mode());
      set(sql, values, "uid", update.uid());
      set(sql, values, "gid", update.gid());
      set(sql, values, "atime", update.atime() == null ? null : nanos(update.atime()));
      set(sql, values, "mtime", update.mtime() == null ? null : nanos(update.mtime()));
      set(sql, values, "ctime", update.ctime() == null ? null : nanos(update.ctime()));
      if (!values.isEmpty()) {
        values.add(inode.value());
        sql.append(" WHERE id = ?");
        if (tx.engine().batchesStatements()) {
          // The update and the read-back in one round trip; a missing row is both unchanged and not read.
          values.add(inode.value());
          PreparedStatement s = HotStatements.prepare(db, sql + "; " + SELECT_INODE, values.toArray());
          s.execute();
          Row r = nextRow(s, false);
          if (r == null) {
            throw notFound(inode);
          }
          return r.a();
        }
        if (HotStatements.prepare(db, sql.toString(), values.toArray()).executeUpdate() == 0) {
          throw notFound(inode);
        }
      }
      return rows.existing(db, inode, false).a();
    });
  }
  private static void set(StringBuilder sql, List<Object> values, String column, Object value) {
    if (value != null) {
      sql.append(values.isEmpty() ? "" : ", ").append(column).append(" = ?");
      values.add(value);
    }
  }

  private static void requireAbsent(DSLContext db, InodeId parent, Name name) throws FsException, SQLException {
    try (ResultSet r = HotStatements.query(db, SELECT_ENTRY_EXISTS, parent.value(), name.bytes())) {
      if (r.next()) {
        throw new FsException(FsError.EXISTS, "'" + name + "' exists in " + parent);
      }
    }
  }

  /** Inserts an entry whose name may be taken: EEXIST (the caller's transaction rolls back) if it is. */
  private void insertNewEntry(DSLContext db, InodeId parent, Name name, long inode, InodeType type, long cookie)
      throws FsException {
    try {
      insertEntry(db, parent, name, inode, type, cookie);
    } catch (DataAccessException e) {
      // A failed statement leaves the transaction usable on both engines, so the name can be checked; the
      // directory row stays locked, so nothing else can have inserted or removed it meanwhile.
      if (!SqlErrors.isTransient(e, tx.engine()) && entry(db, parent, name) != null) {
        throw new FsException(FsError.EXISTS, "'" + name + "' exists in " + parent);
      }
      throw e;
    }
  }

  private static void insertEntry(DSLContext db, InodeId parent, Name name, long inode, InodeType type, long cookie) {
    entryInsert(db, parent, name, inode, type, cookie).execute();
  }
}
