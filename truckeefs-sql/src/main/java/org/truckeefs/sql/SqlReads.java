package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.*;
import static org.truckeefs.sql.SqlRows.requireDirectory;
import static org.truckeefs.sql.SqlRows.row;
import static org.truckeefs.sql.SqlValues.*;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.StoreStats;

/**
 * The namespace reads of {@link SqlMetadataStore}: attributes, lookups, directory pages and symbolic links. Each is
 * one read transaction ({@link Transactor#read}) that locks nothing; the hot ones are one cached statement each, so
 * that a lookup or a page of {@code ls -l} costs one round trip on MariaDB.
 */
final class SqlReads {
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
      + SqlRows.INODE_COLUMNS.replaceAll("(\\w+)", "i.$1") + ", p.type FROM inode p "
      + "LEFT JOIN dentry d ON d.parent_id = p.id AND d.name = ? LEFT JOIN inode i ON i.id = d.inode_id WHERE p.id = ?";

  private final Transactor tx;
  private final SqlRows rows;

  SqlReads(Transactor tx, SqlRows rows) {
    this.tx = tx;
    this.rows = rows;
  }

  InodeAttributes getAttributes(InodeId inode) throws FsException {
    return tx.read("getAttributes", db -> rows.existing(db, inode, false).a());
  }

  Optional<DirEntry> lookup(InodeId parent, Name name) throws FsException {
    return tx.read("lookup", db -> {
      try (ResultSet r = HotStatements.query(db, SELECT_ENTRY, name.bytes(), parent.value())) {
        requireDirectory(r, 4, parent);
        long inode = r.getLong(1);
        if (r.wasNull()) {
          return Optional.empty();
        }
        return Optional.of(new DirEntry(parent, name, InodeId.of(inode), type(r.getInt(2)), r.getLong(3)));
      }
    });
  }

  Optional<InodeAttributes> lookupAttributes(InodeId parent, Name name) throws FsException {
    return tx.read("lookupAttributes", db -> {
      try (ResultSet r = HotStatements.query(db, SELECT_ENTRY_ATTRIBUTES, name.bytes(), parent.value())) {
        requireDirectory(r, 16, parent);
        r.getLong(1);
        return r.wasNull() ? Optional.empty() : Optional.of(row(r).a());
      }
    });
  }

  InodeId parentOf(InodeId dir) throws FsException {
    return tx.read("parentOf", db -> InodeId.of(rows.directory(db, dir, false).parent()));
  }

  /**
   * One statement from the statement cache, four columns a row: what {@code ls -l} costs when the attributes are
   * already in memory (the core's metadata cache). The directory is checked only when the page is empty.
   */
  List<DirEntry> readDir(InodeId dir, long afterCookie, int limit) throws FsException {
    if (limit <= 0) {
      return List.of();
    }
    return tx.scan("readDir", db -> {
      List<DirEntry> out = new ArrayList<>(Math.min(limit, 1024));
      try (ResultSet r = HotStatements.query(db, SELECT_DIR, dir.value(), afterCookie, limit)) {
        while (r.next()) {
          out.add(new DirEntry(dir, name(r.getBytes(1)), InodeId.of(r.getLong(2)), type(r.getInt(3)), r.getLong(4)));
        }
      }
      if (out.isEmpty()) {
        rows.directory(db, dir, false);
      }
      return out;
    });
  }

  /**
   * One join: the entries and their attributes in one statement (one round trip on MariaDB), from the statement
   * cache: {@code ls -l} of a large directory is a few of these, each mapping hundreds of rows, so neither jOOQ's
   * rendering nor its record per row is paid.
   */
  List<DirEntryPlus> readDirPlus(InodeId dir, long afterCookie, int limit) throws FsException {
    if (limit <= 0) {
      return List.of();
    }
    return tx.scan("readDirPlus", db -> {
      List<DirEntryPlus> out = new ArrayList<>(Math.min(limit, 1024));
      try (ResultSet r = HotStatements.query(db, SELECT_DIR_PLUS, dir.value(), afterCookie, limit)) {
        while (r.next()) {
          out.add(dirEntryPlus(dir, r));
        }
      }
      if (out.isEmpty()) {
        rows.directory(db, dir, false);
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

  String readSymlink(InodeId inode) throws FsException {
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

  StoreStats stats() throws FsException {
    return tx.scan("stats", db -> {
      long inodes = db.fetchCount(INODE);
      Object bytes = db.select(DSL.sum(I_SIZE)).from(INODE).where(I_TYPE.eq(code(InodeType.FILE))).fetchOne().value1();
      return new StoreStats(inodes, bytes == null ? 0 : ((Number) bytes).longValue());
    });
  }
}
