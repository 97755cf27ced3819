package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.*;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.SelectForUpdateStep;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.CreateResult;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.RenameResult;
import org.truckeefs.spi.StoreStats;
import org.truckeefs.spi.UnlinkResult;

/**
 * {@link MetadataStore} on SQL rows: one inode row per inode, one dentry row per name keyed by (parent, name bytes).
 * Every method is one transaction run by {@link Transactor}.
 *
 * <p>Lock order: every change to a directory's entries first locks that directory's inode row (SELECT ... FOR
 * UPDATE on MariaDB; SQLite has a single writer), then the entries' inodes. The directory row carries the entry
 * count, the link count and {@code next_cookie}, so holding it serializes the changes of one directory, makes
 * existence checks race-free and hands out cookies that grow in every directory. A rename of a directory across
 * directories locks the chain of ancestors it checks, so two renames cannot build a cycle between them.
 */
final class SqlMetadataStore implements MetadataStore {
  private static final int MAX_DEPTH = 1_000_000;
  private static final int XATTR_NAME_MAX = 255;
  private static final int XATTR_VALUE_MAX = 64 * 1024;

  // The hot statements as SQL text, run through the statement cache (Transactor.prepare): parsed once per
  // connection, no jOOQ rendering per call. Plain names valid on both engines; the colder paths keep jOOQ.
  private static final String INODE_COLUMNS =
      "id, type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version, parent_id, next_cookie";
  private static final int INODE_COLUMN_COUNT = 15;
  private static final String SELECT_INODE = "SELECT " + INODE_COLUMNS + " FROM inode WHERE id = ?";
  private static final String SELECT_ENTRY_INODE = "SELECT " + INODE_COLUMNS + " FROM inode WHERE id = "
      + "(SELECT inode_id FROM dentry WHERE parent_id = ? AND name = ?)";
  /** readDirPlus: the entries after a cookie with their inodes' attributes (both tables have parent_id and type). */
  private static final String SELECT_DIR_PLUS = "SELECT d.name, d.cookie, i.id, i.type, i.mode, i.uid, i.gid, "
      + "i.size, i.nlink, i.rdev, i.atime, i.mtime, i.ctime, i.crtime, i.version FROM dentry d JOIN inode i "
      + "ON i.id = d.inode_id WHERE d.parent_id = ? AND d.cookie > ? ORDER BY d.cookie LIMIT ?";
  /** readDir: the entries after a cookie, without their inodes (the listing a cache completes with attributes). */
  private static final String SELECT_DIR = "SELECT name, inode_id, type, cookie FROM dentry "
      + "WHERE parent_id = ? AND cookie > ? ORDER BY cookie LIMIT ?";
  /**
   * lookup and lookupAttributes: the directory's type joined with the entry (and its inode), so that a name that is
   * absent costs one statement too (one round trip on MariaDB), not a second one to tell ENOENT/ENOTDIR from
   * "no such entry". No row: the directory is missing; NULLs: the entry is.
   */
  private static final String SELECT_ENTRY = "SELECT d.inode_id, d.type, d.cookie, p.type FROM inode p "
      + "LEFT JOIN dentry d ON d.parent_id = p.id AND d.name = ? WHERE p.id = ?";
  private static final String SELECT_ENTRY_ATTRIBUTES = "SELECT "
      + INODE_COLUMNS.replaceAll("(\\w+)", "i.$1") + ", p.type FROM inode p "
      + "LEFT JOIN dentry d ON d.parent_id = p.id AND d.name = ? LEFT JOIN inode i ON i.id = d.inode_id WHERE p.id = ?";
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
   * A create's entry in the same round trip as the inode's insert (MariaDB): the new inode's id, and the cookie
   * from the directory's row, which is NULL, so that the statement fails and nothing commits, unless that row is
   * a live directory (ENOENT or ENOTDIR then; a taken name fails on the primary key: EEXIST).
   */
  private static final String INSERT_ENTRY_OF_NEW_INODE = "INSERT INTO dentry (parent_id, name, inode_id, type, "
      + "cookie) VALUES (?, ?, LAST_INSERT_ID(), ?, (SELECT next_cookie FROM inode WHERE id = ? AND type = ? "
      + "AND nlink > 0))";
  private static final String DELETE_ENTRY = "DELETE FROM dentry WHERE parent_id = ? AND name = ?";
  private static final String UPDATE_DIRECTORY = "UPDATE inode SET mtime = ?, ctime = ?, size = size + ?, "
      + "nlink = nlink + ?, next_cookie = next_cookie + ? WHERE id = ?";
  private static final String SET_NLINK = "UPDATE inode SET nlink = ?, ctime = ? WHERE id = ?";
  private static final String SELECT_CHUNK_BLOBS = "SELECT blob_ref FROM chunk WHERE inode_id = ?";
  private static final String SELECT_ENTRY_CHUNK_BLOBS = "SELECT blob_ref FROM chunk WHERE inode_id = "
      + "(SELECT inode_id FROM dentry WHERE parent_id = ? AND name = ?)";
  private static final String DELETE_CHUNKS = "DELETE FROM chunk WHERE inode_id = ?";
  private static final String DELETE_XATTRS = "DELETE FROM xattr WHERE inode_id = ?";
  private static final String DELETE_INODE = "DELETE FROM inode WHERE id = ?";
  private static final String INSERT_JOURNAL = "INSERT INTO upload_journal (inode_id, owner, base_version, payload, "
      + "created) VALUES (?, ?, ?, ?, ?) RETURNING id";
  private static final String DELETE_JOURNAL = "DELETE FROM upload_journal WHERE id = ?";
  private static final String SELECT_CHUNKS_DROPPED = "SELECT blob_ref FROM chunk WHERE inode_id = ? AND idx >= ?";
  private static final String SELECT_CHUNKS_REPLACED_ONE =
      "SELECT blob_ref FROM chunk WHERE inode_id = ? AND (idx >= ? OR idx = ?)";
  private static final String DELETE_CHUNKS_DROPPED = "DELETE FROM chunk WHERE inode_id = ? AND idx >= ?";
  private static final String DELETE_CHUNKS_REPLACED_ONE =
      "DELETE FROM chunk WHERE inode_id = ? AND (idx >= ? OR idx = ?)";
  private static final String INSERT_CHUNK = "INSERT INTO chunk (inode_id, idx, blob_ref, length) VALUES (?, ?, ?, ?)";
  /** ctime follows the write's mtime but never goes back: the upload may commit after a later chmod. */
  private static final String UPDATE_CONTENT = "UPDATE inode SET size = ?, mtime = ?, "
      + "ctime = CASE WHEN ctime > ? THEN ctime ELSE ? END, version = version + 1 WHERE id = ?";
  /**
   * The CASE for unreferenced_since comes first because MariaDB evaluates assignments left to right with the new
   * values, SQLite with the old ones: this way both see the old count.
   */
  private static final String DECREASE_BLOB = "UPDATE blob_ref SET "
      + "unreferenced_since = CASE WHEN refcount + ? <= 0 THEN ? ELSE unreferenced_since END, "
      + "refcount = CASE WHEN refcount + ? > 0 THEN refcount + ? ELSE 0 END WHERE ref = ?";
  private static final String UNREFERENCED_BLOB = "SELECT ref FROM blob_ref WHERE ref = ? AND refcount = 0";

  private final Transactor tx;
  private final Clock clock;
  private final String selectInodeLocked;
  private final String selectEntryInodeLocked;
  private final String lockDirectoryAndInsertInode;
  private final String createInOneTrip;
  private final String increaseBlob;
  private final String insertMark;
  private final String lockDirectoryAndEntry;
  private final String lockDirectoryAndEntryWithChunks;

  SqlMetadataStore(Transactor tx, Clock clock) {
    this.tx = tx;
    this.clock = clock;
    String lock = tx.engine().lockingReads() ? " FOR UPDATE" : "";
    this.selectInodeLocked = SELECT_INODE + lock;
    this.selectEntryInodeLocked = SELECT_ENTRY_INODE + lock;
    this.increaseBlob = "INSERT INTO blob_ref (ref, refcount, unreferenced_since) VALUES (?, ?, NULL) "
        + (tx.engine() == SqlEngine.SQLITE ? "ON CONFLICT (ref) DO UPDATE SET" : "ON DUPLICATE KEY UPDATE")
        + " refcount = refcount + ?, unreferenced_since = NULL";
    // What jOOQ's onConflict(owner, seq).doNothing() renders on each engine.
    this.insertMark = tx.engine() == SqlEngine.SQLITE
        ? "INSERT INTO commit_mark (owner, seq) VALUES (?, ?) ON CONFLICT (owner, seq) DO NOTHING"
        : "INSERT IGNORE INTO commit_mark (owner, seq) VALUES (?, ?)";
    // Multi-statements for a server (one round trip each): the directory's row is still locked first.
    this.lockDirectoryAndInsertInode = selectInodeLocked + "; " + INSERT_INODE;
    this.createInOneTrip = lockDirectoryAndInsertInode + "; " + INSERT_ENTRY_OF_NEW_INODE + "; " + UPDATE_DIRECTORY;
    this.lockDirectoryAndEntry = selectInodeLocked + "; " + selectEntryInodeLocked;
    this.lockDirectoryAndEntryWithChunks = lockDirectoryAndEntry + "; " + SELECT_ENTRY_CHUNK_BLOBS;
  }

  /** An inode row: its attributes, and for a directory its parent and the cookie its next entry gets. */
  private record Row(InodeAttributes a, Long parent, long nextCookie) {}

  Transactor transactor() {
    return tx;
  }

  // ---- reading ----

  @Override
  public InodeAttributes initRoot(NewInode spec) throws FsException {
    if (spec.type() != InodeType.DIRECTORY) {
      throw new FsException(FsError.INVALID, "the root must be a directory");
    }
    checkMode(spec.mode());
    return tx.write("initRoot", db -> {
      Row row = inodeRow(db, InodeId.ROOT.value(), true);
      if (row == null) {
        long t = nanos(spec.time());
        db.insertInto(INODE)
            .set(I_ID, InodeId.ROOT.value()).set(I_TYPE, code(InodeType.DIRECTORY)).set(I_MODE, spec.mode())
            .set(I_UID, spec.uid()).set(I_GID, spec.gid()).set(I_SIZE, 0L).set(I_NLINK, 2L).set(I_RDEV, 0L)
            .set(I_ATIME, t).set(I_MTIME, t).set(I_CTIME, t).set(I_CRTIME, t).set(I_VERSION, 0L)
            .set(I_PARENT, InodeId.ROOT.value()).set(I_NEXT_COOKIE, 1L)
            .onConflict(I_ID).doNothing()
            .execute();
        row = inodeRow(db, InodeId.ROOT.value(), false);
      }
      return row.a();
    });
  }

  @Override
  public InodeAttributes getAttributes(InodeId inode) throws FsException {
    return tx.read("getAttributes", db -> existing(db, inode, false).a());
  }

  @Override
  public Optional<DirEntry> lookup(InodeId parent, Name name) throws FsException {
    return tx.read("lookup", db -> {
      try (ResultSet r = Transactor.prepare(db, SELECT_ENTRY, name.bytes(), parent.value()).executeQuery()) {
        requireDirectory(r, 4, parent);
        long inode = r.getLong(1);
        if (r.wasNull()) {
          return Optional.empty();
        }
        return Optional.of(new DirEntry(parent, name, InodeId.of(inode), type(r.getInt(2)), r.getLong(3)));
      }
    });
  }

  @Override
  public Optional<InodeAttributes> lookupAttributes(InodeId parent, Name name) throws FsException {
    return tx.read("lookupAttributes", db -> {
      try (ResultSet r = Transactor.prepare(db, SELECT_ENTRY_ATTRIBUTES, name.bytes(), parent.value())
          .executeQuery()) {
        requireDirectory(r, 16, parent);
        r.getLong(1);
        return r.wasNull() ? Optional.empty() : Optional.of(row(r).a());
      }
    });
  }

  @Override
  public InodeId parentOf(InodeId dir) throws FsException {
    return tx.read("parentOf", db -> InodeId.of(directory(db, dir, false).parent()));
  }

  /**
   * One statement from the statement cache, four columns a row: what {@code ls -l} costs when the attributes are
   * already in memory (the core's metadata cache). The directory is checked only when the page is empty.
   */
  @Override
  public List<DirEntry> readDir(InodeId dir, long afterCookie, int limit) throws FsException {
    if (limit <= 0) {
      return List.of();
    }
    return tx.read("readDir", db -> {
      List<DirEntry> out = new ArrayList<>(Math.min(limit, 1024));
      try (ResultSet r = Transactor.prepare(db, SELECT_DIR, dir.value(), afterCookie, limit).executeQuery()) {
        while (r.next()) {
          out.add(new DirEntry(dir, name(r.getBytes(1)), InodeId.of(r.getLong(2)), type(r.getInt(3)), r.getLong(4)));
        }
      }
      if (out.isEmpty()) {
        directory(db, dir, false);
      }
      return out;
    });
  }

  /**
   * One join: the entries and their attributes in one statement (one round trip on MariaDB), from the statement
   * cache: {@code ls -l} of a large directory is a few of these, each mapping hundreds of rows, so neither jOOQ's
   * rendering nor its record per row is paid.
   */
  @Override
  public List<DirEntryPlus> readDirPlus(InodeId dir, long afterCookie, int limit) throws FsException {
    if (limit <= 0) {
      return List.of();
    }
    return tx.read("readDirPlus", db -> {
      List<DirEntryPlus> out = new ArrayList<>(Math.min(limit, 1024));
      try (ResultSet r = Transactor.prepare(db, SELECT_DIR_PLUS, dir.value(), afterCookie, limit).executeQuery()) {
        while (r.next()) {
          out.add(dirEntryPlus(dir, r));
        }
      }
      if (out.isEmpty()) {
        directory(db, dir, false);
      }
      return out;
    });
  }

  /** The row at the cursor of a {@link #SELECT_DIR_PLUS} result. */
  private static DirEntryPlus dirEntryPlus(InodeId dir, ResultSet r) throws SQLException {
    InodeAttributes a = new InodeAttributes(InodeId.of(r.getLong(3)), type(r.getInt(4)), r.getInt(5), r.getInt(6),
        r.getInt(7), r.getLong(8), r.getLong(9), r.getLong(10), instant(r.getLong(11)), instant(r.getLong(12)),
        instant(r.getLong(13)), instant(r.getLong(14)), r.getLong(15));
    return new DirEntryPlus(new DirEntry(dir, name(r.getBytes(1)), a.id(), a.type(), r.getLong(2)), a);
  }

  @Override
  public String readSymlink(InodeId inode) throws FsException {
    return tx.read("readSymlink", db -> {
      Record r = db.select(I_TYPE, I_TARGET).from(INODE).where(I_ID.eq(inode.value())).fetchOne();
      if (r == null) {
        throw notFound(inode);
      }
      if (type(r.get(I_TYPE)) != InodeType.SYMLINK) {
        throw new FsException(FsError.INVALID, "inode " + inode + " is not a symbolic link");
      }
      return new String(r.get(I_TARGET), StandardCharsets.UTF_8);
    });
  }

  // ---- the namespace ----

  @Override
  public InodeAttributes create(InodeId parent, Name name, NewInode spec) throws FsException {
    return createEntry(parent, name, spec).created();
  }

  /** The directory's attributes come from its row, which the transaction locked before it changed it. */
  @Override
  public CreateResult createEntry(InodeId parent, Name name, NewInode spec) throws FsException {
    checkMode(spec.mode());
    byte[] target = spec.symlinkTarget() == null ? null : spec.symlinkTarget().getBytes(StandardCharsets.UTF_8);
    boolean dir = spec.type() == InodeType.DIRECTORY;
    long size = target == null ? 0 : target.length;
    long nlink = dir ? 2 : 1;
    long t = nanos(spec.time());
    CreateResult one = tx.writeInOneTrip("create", createInOneTrip,
        new Object[] {parent.value(), code(spec.type()), spec.mode(), spec.uid(), spec.gid(), size, nlink, spec.rdev(),
            t, t, t, t, dir ? parent.value() : null, target,
            parent.value(), name.bytes(), code(spec.type()), parent.value(), code(InodeType.DIRECTORY),
            t, t, 1L, dir ? 1L : 0L, 1L, parent.value()},
        new Transactor.OneTrip<>() {
          @Override
          public CreateResult results(PreparedStatement s) throws SQLException, FsException {
            Row p = checkDirectory(nextRow(s, true), parent, true);
            long id = nextLong(s);
            Instant at = instant(t);
            return new CreateResult(new InodeAttributes(InodeId.of(id), spec.type(), spec.mode(), spec.uid(),
                spec.gid(), size, nlink, spec.rdev(), at, at, at, at, 0L), directoryAfter(p.a(), 1, dir ? 1 : 0, t));
          }

          @Override
          public void explain(DSLContext db) throws FsException, SQLException {
            directory(db, parent, true);
            requireAbsent(db, parent, name);
          }

          @Override
          public CreateResult recover(DSLContext db) throws FsException, SQLException {
            Row p = directory(db, parent, false);
            try (ResultSet r = Transactor.prepare(db, SELECT_ENTRY_INODE, parent.value(), name.bytes())
                .executeQuery()) {
              if (!r.next()) {
                throw new FsException(FsError.IO, "'" + name + "' was created in " + parent
                    + " but is gone again before its creation was confirmed");
              }
              return new CreateResult(row(r).a(), p.a());
            }
          }
        });
    if (one != null) {
      return one;
    }
    return tx.write("create", db -> {
      Row p;
      long id;
      if (tx.engine().batchesStatements()) {
        // The directory's lock and the inode's insert in one round trip; if the parent turns out not to be a live
        // directory, the body throws and the insert rolls back with the transaction.
        PreparedStatement s = Transactor.prepare(db, lockDirectoryAndInsertInode, parent.value(), code(spec.type()),
            spec.mode(), spec.uid(), spec.gid(), size, nlink, spec.rdev(), t, t, t, t, dir ? parent.value() : null,
            target);
        s.execute();
        p = checkDirectory(nextRow(s, true), parent, true);
        id = nextLong(s);
      } else {
        p = directory(db, parent, true);
        try (ResultSet r = Transactor.prepare(db, INSERT_INODE, code(spec.type()), spec.mode(), spec.uid(),
            spec.gid(), size, nlink, spec.rdev(), t, t, t, t, dir ? parent.value() : null, target).executeQuery()) {
          r.next();
          id = r.getLong(1);
        }
      }
      // The entry and the directory's counters go with the COMMIT (one round trip on MariaDB). No existence check
      // first: the entry's primary key refuses a taken name, and then nothing commits.
      Transactor.atCommit(db, INSERT_ENTRY, check -> requireAbsent(check, parent, name),
          parent.value(), name.bytes(), id, code(spec.type()), p.nextCookie());
      directoryUpdate(db, parent, 1, dir ? 1 : 0, true, t);
      Instant at = instant(t);
      return new CreateResult(new InodeAttributes(InodeId.of(id), spec.type(), spec.mode(), spec.uid(), spec.gid(),
          size, nlink, spec.rdev(), at, at, at, at, 0L), directoryAfter(p.a(), 1, dir ? 1 : 0, t));
    });
  }

  @Override
  public InodeAttributes link(InodeId inode, InodeId parent, Name name, Instant now) throws FsException {
    long t = nanos(now);
    return tx.write("link", db -> {
      Row p = directory(db, parent, true);
      Row row = existing(db, inode, true);
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
      return inodeRow(db, inode.value(), false).a();
    });
  }

  @Override
  public InodeAttributes unlink(InodeId parent, Name name, boolean directory, Instant now) throws FsException {
    long t = nanos(now);
    return tx.write(directory ? "rmdir" : "unlink", db -> {
      Unlinked u = unlinkIn(db, parent, name, directory, t, false);
      setNlink(db, u.after(), t);
      return u.after();
    });
  }

  /** The unlink and, at link count 0, the purge in one transaction (one COMMIT, one round trip fewer). */
  @Override
  public UnlinkResult unlink(InodeId parent, Name name, boolean directory, Instant now, InodeId purgeIfOrphan)
      throws FsException {
    long t = nanos(now);
    return tx.write(directory ? "rmdir" : "unlink", db -> {
      Unlinked u = unlinkIn(db, parent, name, directory, t, purgeIfOrphan != null && !directory);
      InodeAttributes a = u.after();
      if (purgeIfOrphan == null || a.nlink() != 0 || !a.id().equals(purgeIfOrphan)) {
        setNlink(db, a, t);
        return new UnlinkResult(a, false, List.of(), u.parent());
      }
      // The row is locked and its link count drops to 0 in this transaction: nothing can link it again. It is
      // deleted, so its link count is not written first.
      return new UnlinkResult(a, true, purgeIn(db, a.id().value(), u.chunkBlobs()), u.parent());
    });
  }

  /**
   * What {@link #unlinkIn} did: the inode after losing the name, its chunks' blobs if they were fetched, and the
   * directory after losing the entry.
   */
  private record Unlinked(InodeAttributes after, List<byte[]> chunkBlobs, InodeAttributes parent) {}

  /** Writes a locked inode's link count and ctime as {@link #unlinkIn} computed them; sent with the COMMIT. */
  private static void setNlink(DSLContext db, InodeAttributes after, long t) {
    Transactor.atCommit(db, SET_NLINK, null, after.nlink(), t, after.id().value());
  }

  /**
   * Removes an entry; the caller writes the inode's new link count ({@link #setNlink}) unless it purges it. With
   * {@code chunks} on a server, the inode's chunk list comes in the same round trip as the
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
          ? Transactor.prepare(db, lockDirectoryAndEntryWithChunks, parent.value(), parent.value(), name.bytes(),
              parent.value(), name.bytes())
          : Transactor.prepare(db, lockDirectoryAndEntry, parent.value(), parent.value(), name.bytes());
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
      try (ResultSet r = Transactor.prepare(db, SELECT_DIR_AND_ENTRY_INODE, name.bytes(), parent.value())
          .executeQuery()) {
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
    Transactor.atCommit(db, DELETE_ENTRY, null, parent.value(), name.bytes());
    InodeAttributes after = dropped(row.a(), isDir, t);
    directoryUpdate(db, parent, -1, isDir ? -1 : 0, false, t);
    return new Unlinked(after, chunkBlobs, directoryAfter(dir.a(), -1, isDir ? -1 : 0, t));
  }

  @Override
  public RenameResult rename(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags,
      Instant now) throws FsException {
    long t = nanos(now);
    return tx.write("rename", db -> {
      // Lock both directories in id order, so two renames between the same directories cannot deadlock.
      boolean sameDir = parent.equals(newParent);
      Row from;
      Row to;
      if (sameDir) {
        from = directory(db, parent, true);
        to = from;
      } else if (parent.compareTo(newParent) < 0) {
        from = directory(db, parent, true);
        to = directory(db, newParent, true);
      } else {
        to = directory(db, newParent, true);
        from = directory(db, parent, true);
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
        return new RenameResult(inodeRow(db, srcId, false).a(), null);
      }
      long dstId = dst == null ? 0 : dst.get(D_INODE);
      InodeType dstType = dst == null ? null : type(dst.get(D_TYPE));
      boolean dstDir = dstType == InodeType.DIRECTORY;
      Row srcRow;
      Row dstRow = null;
      if (dst == null || srcId < dstId) {
        srcRow = existing(db, InodeId.of(srcId), true);
        if (dst != null) {
          dstRow = existing(db, InodeId.of(dstId), true);
        }
      } else {
        dstRow = existing(db, InodeId.of(dstId), true);
        srcRow = existing(db, InodeId.of(srcId), true);
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
        Transactor.atCommit(db, SET_NLINK, null, dropped(dstRow.a(), dstDir, t).nlink(), t, dstId);
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

  @Override
  public InodeAttributes setAttributes(InodeId inode, AttrUpdate update) throws FsException {
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
          PreparedStatement s = Transactor.prepare(db, sql + "; " + SELECT_INODE, values.toArray());
          s.execute();
          Row r = nextRow(s, false);
          if (r == null) {
            throw notFound(inode);
          }
          return r.a();
        }
        if (Transactor.prepare(db, sql.toString(), values.toArray()).executeUpdate() == 0) {
          throw notFound(inode);
        }
      }
      return existing(db, inode, false).a();
    });
  }

  // ---- content ----

  @Override
  public List<ChunkRef> chunks(InodeId inode) throws FsException {
    return tx.read("chunks", db -> {
      List<ChunkRef> out = new ArrayList<>();
      for (Record r : db.select(C_IDX, C_BLOB, C_LENGTH).from(CHUNK).where(C_INODE.eq(inode.value()))
          .orderBy(C_IDX).fetch()) {
        out.add(new ChunkRef(r.get(C_IDX), blob(r.get(C_BLOB)), r.get(C_LENGTH)));
      }
      if (out.isEmpty()) {
        existing(db, inode, false);
      }
      return out;
    });
  }

  @Override
  public CommitResult commitContent(ContentCommit commit) throws FsException {
    Set<Long> upsertIndexes = new HashSet<>();
    for (ChunkRef c : commit.upserts()) {
      if (!upsertIndexes.add(c.index())) {
        throw new FsException(FsError.INVALID, "chunk " + c.index() + " appears twice in one commit");
      }
    }
    long mtime = nanos(commit.mtime());
    return tx.write("commitContent", db -> {
      long id = commit.inode().value();
      InodeAttributes row = existing(db, commit.inode(), true).a();
      if (row.type() == InodeType.DIRECTORY) {
        throw new FsException(FsError.IS_DIRECTORY, "inode " + commit.inode() + " is a directory");
      }
      if (row.version() != commit.expectedVersion()) {
        throw new FsException(FsError.STALE, "inode " + commit.inode() + " is at version " + row.version()
            + ", the commit expected " + commit.expectedVersion());
      }
      Map<String, Long> deltas = new TreeMap<>();
      if (commit.upserts().size() <= 1) {
        // The common commit (a small file: at most one chunk replaced) on cached statements.
        boolean one = commit.upserts().size() == 1;
        Object[] where = one ? new Object[] {id, commit.dropFromIndex(), commit.upserts().get(0).index()}
            : new Object[] {id, commit.dropFromIndex()};
        try (ResultSet r = Transactor.prepare(db, one ? SELECT_CHUNKS_REPLACED_ONE : SELECT_CHUNKS_DROPPED, where)
            .executeQuery()) {
          while (r.next()) {
            deltas.merge(new String(r.getBytes(1), StandardCharsets.UTF_8), -1L, Long::sum);
          }
        }
        Transactor.prepare(db, one ? DELETE_CHUNKS_REPLACED_ONE : DELETE_CHUNKS_DROPPED, where).executeUpdate();
        if (one) {
          ChunkRef c = commit.upserts().get(0);
          Transactor.prepare(db, INSERT_CHUNK, id, c.index(), bytes(c.blob()), c.length()).executeUpdate();
          deltas.merge(c.blob().value(), 1L, Long::sum);
        }
      } else {
        Condition replaced = C_IDX.ge(commit.dropFromIndex()).or(C_IDX.in(upsertIndexes));
        for (Record1<byte[]> old : db.select(C_BLOB).from(CHUNK).where(C_INODE.eq(id)).and(replaced).fetch()) {
          deltas.merge(new String(old.value1(), StandardCharsets.UTF_8), -1L, Long::sum);
        }
        db.deleteFrom(CHUNK).where(C_INODE.eq(id)).and(replaced).execute();
        var insert = db.insertInto(CHUNK, C_INODE, C_IDX, C_BLOB, C_LENGTH);
        for (ChunkRef c : commit.upserts()) {
          insert = insert.values(id, c.index(), bytes(c.blob()), c.length());
          deltas.merge(c.blob().value(), 1L, Long::sum);
        }
        insert.execute();
      }
      List<BlobRef> unreferenced = applyBlobDeltas(db, deltas);
      Transactor.prepare(db, UPDATE_CONTENT, commit.newSize(), mtime, mtime, mtime, id).executeUpdate();
      if (commit.journalId() != 0) {
        Transactor.prepare(db, DELETE_JOURNAL, commit.journalId()).executeUpdate();
      }
      if (commit.mark() != null) {
        // Every upload's commit carries a mark: from the statement cache (through jOOQ it was parsed anew each time,
        // a fifth of an upload thread's commit in a profile).
        Transactor.prepare(db, insertMark, owner(commit.mark().owner()), commit.mark().seq()).executeUpdate();
      }
      // The row was read (and on MariaDB locked) above: its new state is what UPDATE_CONTENT made of it.
      long ctime = Math.max(nanos(row.ctime()), mtime);
      InodeAttributes after = new InodeAttributes(row.id(), row.type(), row.mode(), row.uid(), row.gid(),
          commit.newSize(), row.nlink(), row.rdev(), row.atime(), instant(mtime), instant(ctime), row.crtime(),
          row.version() + 1);
      return new CommitResult(after, unreferenced);
    });
  }

  @Override
  public List<Long> commitMarks(String owner) throws FsException {
    byte[] o = owner(owner);
    return tx.read("commitMarks", db -> db.select(K_SEQ).from(MARK).where(K_OWNER.eq(o)).orderBy(K_SEQ)
        .fetch(Record1::value1));
  }

  @Override
  public void clearCommitMarks(String owner, long upToSeq) throws FsException {
    byte[] o = owner(owner);
    tx.write("clearCommitMarks", db -> db.deleteFrom(MARK).where(K_OWNER.eq(o), K_SEQ.le(upToSeq)).execute());
  }

  @Override
  public void noteUnreferenced(java.util.Collection<BlobRef> blobs, Instant now) throws FsException {
    if (blobs.isEmpty()) {
      return;
    }
    long t = nanos(now);
    // Key order, as in applyBlobDeltas, so that concurrent transactions lock blob rows in the same order.
    java.util.TreeSet<String> refs = new java.util.TreeSet<>();
    blobs.forEach(b -> refs.add(b.value()));
    tx.write("noteUnreferenced", db -> {
      for (String ref : refs) {
        byte[] r = ref.getBytes(StandardCharsets.UTF_8);
        // A blob some chunk references keeps its count; a known unreferenced one keeps its older time.
        db.insertInto(BLOB, B_REF, B_REFCOUNT, B_UNREFERENCED_SINCE).values(r, 0L, t)
            .onConflict(B_REF).doUpdate()
            .set(B_UNREFERENCED_SINCE, DSL.when(B_REFCOUNT.eq(0L).and(B_UNREFERENCED_SINCE.isNull()), DSL.val(t))
                .otherwise(B_UNREFERENCED_SINCE))
            .execute();
      }
      return null;
    });
  }

  @Override
  public CommitResult purge(InodeId inode) throws FsException {
    return tx.write("purge", db -> {
      long id = inode.value();
      Row row = inodeRow(db, id, true);
      if (row == null) {
        return new CommitResult(null, List.of());
      }
      if (row.a().nlink() > 0) {
        throw new FsException(FsError.BUSY, "inode " + inode + " still has " + row.a().nlink() + " links");
      }
      return new CommitResult(null, purgeIn(db, id, null));
    });
  }

  /** Deletes a locked orphan's rows; returns the blobs left unreferenced. */
  private List<BlobRef> purgeIn(DSLContext db, long id, List<byte[]> chunkBlobs) throws SQLException {
    Map<String, Long> deltas = new TreeMap<>();
    if (chunkBlobs == null) {
      chunkBlobs = new ArrayList<>();
      try (ResultSet r = Transactor.prepare(db, SELECT_CHUNK_BLOBS, id).executeQuery()) {
        while (r.next()) {
          chunkBlobs.add(r.getBytes(1));
        }
      }
    }
    for (byte[] b : chunkBlobs) {
      deltas.merge(new String(b, StandardCharsets.UTF_8), -1L, Long::sum);
    }
    // The deletes go with the COMMIT; nothing below reads the rows they remove.
    if (!deltas.isEmpty()) {
      Transactor.atCommit(db, DELETE_CHUNKS, null, id);
    }
    Transactor.atCommit(db, DELETE_XATTRS, null, id);
    Transactor.atCommit(db, DELETE_INODE, null, id);
    return applyBlobDeltas(db, deltas);
  }

  @Override
  public List<InodeId> orphans() throws FsException {
    // 0 inlined, not bound: SQLite uses its partial index (WHERE nlink = 0) only for a query that says nlink = 0.
    return tx.read("orphans", db -> db.select(I_ID).from(INODE).where(I_NLINK.eq(DSL.inline(0L))).orderBy(I_ID)
        .fetch(r -> InodeId.of(r.value1())));
  }

  @Override
  public List<BlobRef> takeReleasableBlobs(Instant unreferencedBefore, int limit) throws FsException {
    if (limit <= 0) {
      return List.of();
    }
    long before = nanos(unreferencedBefore);
    return tx.write("takeReleasableBlobs", db -> {
      List<byte[]> refs = lockIf(db.select(B_REF).from(BLOB)
          .where(B_REFCOUNT.eq(0L), B_UNREFERENCED_SINCE.lt(before))
          .orderBy(B_UNREFERENCED_SINCE, B_REF).limit(limit)).fetch(Record1::value1);
      if (refs.isEmpty()) {
        return List.of();
      }
      db.deleteFrom(BLOB).where(B_REF.in(refs), B_REFCOUNT.eq(0L)).execute();
      return refs.stream().map(SqlMetadataStore::blob).toList();
    });
  }

  @Override
  public List<BlobRef> liveBlobs(String afterRef, int limit) throws FsException {
    if (limit <= 0) {
      return List.of();
    }
    return tx.read("liveBlobs", db -> {
      Condition c = B_REFCOUNT.gt(0L);
      if (afterRef != null) {
        c = c.and(B_REF.gt(afterRef.getBytes(StandardCharsets.UTF_8)));
      }
      return db.select(B_REF).from(BLOB).where(c).orderBy(B_REF).limit(limit).fetch(r -> blob(r.value1()));
    });
  }

  // ---- xattrs ----

  @Override
  public Optional<byte[]> getXattr(InodeId inode, String name) throws FsException {
    byte[] key = xattrName(name);
    return tx.read("getXattr", db -> {
      Record1<byte[]> r = db.select(X_VALUE).from(XATTR).where(X_INODE.eq(inode.value()), X_NAME.eq(key)).fetchOne();
      if (r == null) {
        existing(db, inode, false);
        return Optional.empty();
      }
      return Optional.of(r.value1());
    });
  }

  @Override
  public void setXattr(InodeId inode, String name, byte[] value, XattrMode mode, Instant now) throws FsException {
    byte[] key = xattrName(name);
    if (value.length > XATTR_VALUE_MAX) {
      throw new FsException(FsError.RANGE, "extended attribute value of " + value.length + " bytes exceeds "
          + XATTR_VALUE_MAX);
    }
    byte[] copy = value.clone();
    long t = nanos(now);
    tx.write("setXattr", db -> {
      existing(db, inode, true);
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

  @Override
  public List<String> listXattr(InodeId inode) throws FsException {
    return tx.read("listXattr", db -> {
      List<String> names = db.select(X_NAME).from(XATTR).where(X_INODE.eq(inode.value())).orderBy(X_NAME)
          .fetch(r -> new String(r.value1(), StandardCharsets.UTF_8));
      if (names.isEmpty()) {
        existing(db, inode, false);
      }
      return names;
    });
  }

  @Override
  public void removeXattr(InodeId inode, String name, Instant now) throws FsException {
    byte[] key = xattrName(name);
    long t = nanos(now);
    tx.write("removeXattr", db -> {
      existing(db, inode, true);
      if (db.deleteFrom(XATTR).where(X_INODE.eq(inode.value()), X_NAME.eq(key)).execute() == 0) {
        throw new FsException(FsError.NO_DATA, "no extended attribute '" + name + "'");
      }
      db.update(INODE).set(I_CTIME, t).where(I_ID.eq(inode.value())).execute();
      return null;
    });
  }

  // ---- upload journal ----

  @Override
  public JournalEntry journalAppend(JournalEntry entry) throws FsException {
    byte[] owner = entry.owner().getBytes(StandardCharsets.UTF_8);
    if (owner.length > 255) {
      throw new FsException(FsError.INVALID, "journal owner name is longer than 255 bytes");
    }
    return tx.write("journalAppend", db -> {
      try (ResultSet r = Transactor.prepare(db, INSERT_JOURNAL, entry.inode().value(), owner, entry.baseVersion(),
          entry.payload(), nanos(entry.created())).executeQuery()) {
        r.next();
        return entry.withId(r.getLong(1));
      }
    });
  }

  @Override
  public List<JournalEntry> journal(String owner) throws FsException {
    return tx.read("journal", db -> db.select(J_ID, J_INODE, J_OWNER, J_BASE_VERSION, J_PAYLOAD, J_CREATED)
        .from(JOURNAL).where(J_OWNER.eq(owner.getBytes(StandardCharsets.UTF_8))).orderBy(J_ID)
        .fetch(r -> new JournalEntry(r.get(J_ID), InodeId.of(r.get(J_INODE)),
            new String(r.get(J_OWNER), StandardCharsets.UTF_8), r.get(J_BASE_VERSION), r.get(J_PAYLOAD),
            instant(r.get(J_CREATED)))));
  }

  @Override
  public void journalRemove(long id) throws FsException {
    tx.write("journalRemove", db -> Transactor.prepare(db, DELETE_JOURNAL, id).executeUpdate());
  }

  @Override
  public StoreStats stats() throws FsException {
    return tx.read("stats", db -> {
      long inodes = db.fetchCount(INODE);
      Object bytes = db.select(DSL.sum(I_SIZE)).from(INODE).where(I_TYPE.eq(code(InodeType.FILE))).fetchOne().value1();
      return new StoreStats(inodes, bytes == null ? 0 : ((Number) bytes).longValue());
    });
  }

  /** Made up by the first caller; hosts starting together on an empty database agree (the insert is ignored). */
  @Override
  public String filesystemId() throws FsException {
    return tx.write("filesystemId", db -> {
      String id = db.select(Schema.F_ID).from(Schema.FILESYSTEM).where(Schema.F_KEY.eq(1)).fetchOne(Schema.F_ID);
      if (id != null) {
        return id;
      }
      db.insertInto(Schema.FILESYSTEM, Schema.F_KEY, Schema.F_ID).values(1, java.util.UUID.randomUUID().toString())
          .onDuplicateKeyIgnore().execute();
      return db.select(Schema.F_ID).from(Schema.FILESYSTEM).where(Schema.F_KEY.eq(1)).fetchOne(Schema.F_ID);
    });
  }

  /**
   * SQLite runs WAL with synchronous=NORMAL, so a commit survives a process crash but not necessarily a power loss.
   * One commit with synchronous=FULL syncs the WAL, which holds every earlier commit too: one fsync of an
   * append-only file, where a checkpoint would also copy pages into the database file and sync that. Concurrent
   * calls share a sync ({@link Transactor#syncWal}).
   */
  @Override
  public void sync() throws FsException {
    if (tx.engine() == SqlEngine.SQLITE) {
      tx.syncWal();
    }
  }

  @Override
  public void close() {
    tx.close();
  }

  // ---- helpers: rows ----

  private <R extends Record> org.jooq.ResultQuery<R> lockIf(SelectForUpdateStep<R> select) {
    return tx.engine().lockingReads() ? select.forUpdate() : select;
  }

  private Row inodeRow(DSLContext db, long id, boolean lock) throws SQLException {
    try (ResultSet r = Transactor.prepare(db, lock ? selectInodeLocked : SELECT_INODE, id).executeQuery()) {
      return r.next() ? row(r) : null;
    }
  }


  /** The row at the cursor of a result of {@link #INODE_COLUMNS}. */
  private static Row row(ResultSet r) throws SQLException {
    return row(r, 0);
  }

  /** The row at the cursor of a result with {@link #INODE_COLUMNS} after its first {@code skip} columns. */
  private static Row row(ResultSet r, int skip) throws SQLException {
    int o = skip;
    InodeAttributes a = new InodeAttributes(InodeId.of(r.getLong(o + 1)), type(r.getInt(o + 2)), r.getInt(o + 3),
        r.getInt(o + 4), r.getInt(o + 5), r.getLong(o + 6), r.getLong(o + 7), r.getLong(o + 8),
        instant(r.getLong(o + 9)), instant(r.getLong(o + 10)), instant(r.getLong(o + 11)), instant(r.getLong(o + 12)),
        r.getLong(o + 13));
    long parent = r.getLong(o + 14);
    Long p = r.wasNull() ? null : parent;
    return new Row(a, p, r.getLong(o + 15));
  }

  private static void set(StringBuilder sql, List<Object> values, String column, Object value) {
    if (value != null) {
      sql.append(values.isEmpty() ? "" : ", ").append(column).append(" = ?");
      values.add(value);
    }
  }

  private Row existing(DSLContext db, InodeId inode, boolean lock) throws FsException, SQLException {
    Row r = inodeRow(db, inode.value(), lock);
    if (r == null) {
      throw notFound(inode);
    }
    return r;
  }

  /** A live directory's row: ENOENT if it is missing or removed, ENOTDIR if it is something else. */
  private Row directory(DSLContext db, InodeId dir, boolean lock) throws FsException, SQLException {
    return checkDirectory(inodeRow(db, dir.value(), lock), dir, lock);
  }

  /**
   * The next result of a multi-statement ({@code first}: the current one) as an inode row, or null if empty.
   */
  private static Row nextRow(PreparedStatement s, boolean first) throws SQLException {
    if (!first && !s.getMoreResults()) {
      throw new SQLException("the multi-statement returned fewer results than it has queries");
    }
    try (ResultSet r = s.getResultSet()) {
      return r.next() ? row(r) : null;
    }
  }

  /** The next result of a multi-statement as one long (an INSERT ... RETURNING id). */
  private static long nextLong(PreparedStatement s) throws SQLException {
    if (!s.getMoreResults()) {
      throw new SQLException("the multi-statement returned fewer results than it has queries");
    }
    try (ResultSet r = s.getResultSet()) {
      if (!r.next()) {
        throw new SQLException("the insert returned no id");
      }
      return r.getLong(1);
    }
  }

  /**
   * Moves to the one row of a lookup joined with its directory, whose type is in column {@code typeColumn}:
   * ENOENT when there is no row (no such inode), ENOTDIR when it is not a directory.
   */
  private static void requireDirectory(ResultSet r, int typeColumn, InodeId dir) throws FsException, SQLException {
    if (!r.next()) {
      throw new FsException(FsError.NOT_FOUND, "directory " + dir + " does not exist");
    }
    if (type(r.getInt(typeColumn)) != InodeType.DIRECTORY) {
      throw new FsException(FsError.NOT_DIRECTORY, "inode " + dir + " is not a directory");
    }
  }

  private static Row checkDirectory(Row r, InodeId dir, boolean lock) throws FsException {
    if (r == null || (r.a().nlink() == 0 && r.a().type() == InodeType.DIRECTORY && lock)) {
      throw new FsException(FsError.NOT_FOUND, "directory " + dir + " does not exist");
    }
    if (r.a().type() != InodeType.DIRECTORY) {
      throw new FsException(FsError.NOT_DIRECTORY, "inode " + dir + " is not a directory");
    }
    return r;
  }

  private Record entry(DSLContext db, InodeId parent, Name name) {
    return db.select(D_INODE, D_TYPE, D_COOKIE).from(DENTRY)
        .where(D_PARENT.eq(parent.value()), D_NAME.eq(name.bytes())).fetchOne();
  }

  private static void requireAbsent(DSLContext db, InodeId parent, Name name) throws FsException {
    if (db.fetchExists(DENTRY, D_PARENT.eq(parent.value()), D_NAME.eq(name.bytes()))) {
      throw new FsException(FsError.EXISTS, "'" + name + "' exists in " + parent);
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

  private static org.jooq.Query entryInsert(DSLContext db, InodeId parent, Name name, long inode, InodeType type,
      long cookie) {
    return db.insertInto(DENTRY, D_PARENT, D_NAME, D_INODE, D_TYPE, D_COOKIE)
        .values(parent.value(), name.bytes(), inode, code(type), cookie);
  }

  private static org.jooq.Query entryPoint(DSLContext db, InodeId parent, Name name, long inode, InodeType type) {
    return db.update(DENTRY).set(D_INODE, inode).set(D_TYPE, code(type))
        .where(D_PARENT.eq(parent.value()), D_NAME.eq(name.bytes()));
  }

  /** A change that cannot fail on its own, sent with the COMMIT. */
  private static void atCommit(DSLContext db, org.jooq.Query change) {
    Transactor.atCommit(db, change, null);
  }

  /**
   * The attributes of a locked inode after it lost a name: a directory drops to 0 links (its "." goes with it),
   * anything else by one; the caller writes the computed link count ({@link #SET_NLINK}).
   */
  private static InodeAttributes dropped(InodeAttributes a, boolean directory, long t) {
    return new InodeAttributes(a.id(), a.type(), a.mode(), a.uid(), a.gid(), a.size(),
        directory ? 0 : Math.max(0, a.nlink() - 1), a.rdev(), a.atime(), a.mtime(), instant(t), a.crtime(),
        a.version());
  }

  /** The attributes of a locked inode row after its ctime became {@code t}. */
  private static InodeAttributes changed(InodeAttributes a, long t) {
    return new InodeAttributes(a.id(), a.type(), a.mode(), a.uid(), a.gid(), a.size(), a.nlink(), a.rdev(),
        a.atime(), a.mtime(), instant(t), a.crtime(), a.version());
  }

  /**
   * Adjusts a directory's entry count and link count, sets mtime/ctime, and uses up a cookie if one was given out;
   * sent with the COMMIT (it cannot fail on its own).
   */
  private static void directoryUpdate(DSLContext db, InodeId dir, long sizeDelta, long linkDelta, boolean cookieUsed,
      long t) {
    Transactor.atCommit(db, UPDATE_DIRECTORY, null, t, t, sizeDelta, linkDelta, cookieUsed ? 1L : 0L, dir.value());
  }

  /** A locked directory's attributes after {@link #directoryUpdate} with the same deltas and time. */
  private static InodeAttributes directoryAfter(InodeAttributes d, long sizeDelta, long linkDelta, long t) {
    Instant at = instant(t);
    return new InodeAttributes(d.id(), d.type(), d.mode(), d.uid(), d.gid(), d.size() + sizeDelta,
        d.nlink() + linkDelta, d.rdev(), d.atime(), at, at, d.crtime(), d.version());
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
      Record1<Long> r = lockIf(db.select(I_PARENT).from(INODE).where(I_ID.eq(id))).fetchOne();
      if (r == null || r.value1() == null) {
        return;
      }
      id = r.value1();
    }
    throw new FsException(FsError.IO, "directory tree deeper than " + MAX_DEPTH + " levels above " + start);
  }

  /**
   * Applies reference-count changes in key order (so concurrent commits lock blob rows in the same order) and
   * returns the blobs that dropped to zero. The CASE comes first in the SET list because MariaDB evaluates
   * assignments left to right with the new values, SQLite with the old ones: this way both see the old count.
   */
  private List<BlobRef> applyBlobDeltas(DSLContext db, Map<String, Long> deltas) throws SQLException {
    long now = nanos(clock.instant());
    List<byte[]> decreased = new ArrayList<>();
    for (Map.Entry<String, Long> d : deltas.entrySet()) {
      long delta = d.getValue();
      byte[] ref = d.getKey().getBytes(StandardCharsets.UTF_8);
      if (delta > 0) {
        Transactor.prepare(db, increaseBlob, ref, delta, delta).executeUpdate();
      } else if (delta < 0) {
        Transactor.prepare(db, DECREASE_BLOB, delta, now, delta, delta, ref).executeUpdate();
        decreased.add(ref);
      }
    }
    if (decreased.isEmpty()) {
      return List.of();
    }
    if (decreased.size() == 1) {
      try (ResultSet r = Transactor.prepare(db, UNREFERENCED_BLOB, decreased.get(0)).executeQuery()) {
        return r.next() ? List.of(blob(r.getBytes(1))) : List.of();
      }
    }
    return db.select(B_REF).from(BLOB).where(B_REF.in(decreased), B_REFCOUNT.eq(0L)).orderBy(B_REF)
        .fetch(r -> blob(r.value1()));
  }

  // ---- helpers: values ----

  private static InodeAttributes attributes(Record r) {
    return new InodeAttributes(InodeId.of(r.get(I_ID)), type(r.get(I_TYPE)), r.get(I_MODE), r.get(I_UID),
        r.get(I_GID), r.get(I_SIZE), r.get(I_NLINK), r.get(I_RDEV), instant(r.get(I_ATIME)), instant(r.get(I_MTIME)),
        instant(r.get(I_CTIME)), instant(r.get(I_CRTIME)), r.get(I_VERSION));
  }

  private static FsException notFound(InodeId inode) {
    return new FsException(FsError.NOT_FOUND, "inode " + inode + " does not exist");
  }

  private static void checkMode(int mode) throws FsException {
    if ((mode & ~InodeAttributes.PERMISSION_BITS) != 0) {
      throw new FsException(FsError.INVALID, "mode 0" + Integer.toOctalString(mode) + " has bits besides 07777");
    }
  }

  private static byte[] owner(String owner) throws FsException {
    byte[] b = owner.getBytes(StandardCharsets.UTF_8);
    if (b.length > 255) {
      throw new FsException(FsError.INVALID, "commit mark owner name is longer than 255 bytes");
    }
    return b;
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

  static int code(InodeType type) {
    return type.modeBits() >> 12;
  }

  /** By code (the S_IFMT bits shifted down: 0 to 15), as listings map one per row. */
  private static final InodeType[] TYPES = new InodeType[16];

  static {
    for (InodeType t : InodeType.values()) {
      TYPES[code(t)] = t;
    }
  }

  static InodeType type(int code) {
    InodeType t = code >= 0 && code < TYPES.length ? TYPES[code] : null;
    if (t == null) {
      throw new IllegalStateException("unknown inode type code " + code + " in the metadata database");
    }
    return t;
  }

  private static Name name(byte[] raw) {
    try {
      return Name.of(raw);
    } catch (FsException e) {
      throw new IllegalStateException("invalid name in the metadata database", e);
    }
  }

  private static byte[] bytes(BlobRef ref) {
    return ref.value().getBytes(StandardCharsets.UTF_8);
  }

  private static BlobRef blob(byte[] raw) {
    return BlobRef.of(new String(raw, StandardCharsets.UTF_8));
  }

  /** Nanoseconds since the epoch, saturated to what a long holds (years 1677 to 2262). */
  static long nanos(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    } catch (ArithmeticException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
